from division import ratios


def test_ratios():
    assert ratios([1, 4], [2, 2]) == [0.5, 2.0]


def test_zero():
    assert ratios([1, 3], [0, 3]) == [None, 1.0]
