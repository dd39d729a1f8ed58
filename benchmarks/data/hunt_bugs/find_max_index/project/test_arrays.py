from arrays import argmax, total


def test_argmax_middle():
    assert argmax([1, 9, 3, 2]) == 1


def test_argmax_first():
    assert argmax([5, 1, 2]) == 0


def test_total():
    assert total([1, 2, 3]) == 6
