from combinatorics import choose, factorial


def test_factorial_five():
    assert factorial(5) == 120


def test_factorial_zero():
    assert factorial(0) == 1


def test_choose():
    assert choose(5, 2) == 10


def test_choose_out_of_range():
    assert choose(3, 4) == 0
