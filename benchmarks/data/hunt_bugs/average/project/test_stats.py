from stats import average, spread


def test_average():
    assert average([2, 4, 6]) == 4


def test_empty():
    assert average([]) == 0.0


def test_spread():
    assert spread([3, 9, 1]) == 8
