from averages import mean, median


def test_mean():
    assert mean([1, 2, 3]) == 2


def test_empty():
    assert mean([]) is None


def test_median():
    assert median([3, 1, 2]) == 2 and median([1, 2, 3, 4]) == 2.5
