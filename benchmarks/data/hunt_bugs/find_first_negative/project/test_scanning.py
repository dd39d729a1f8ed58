from scanning import all_positive, first_negative


def test_first():
    assert first_negative([-1, 2]) == 0


def test_later():
    assert first_negative([3, 4, -2, -5]) == 2


def test_none():
    assert first_negative([1, 2]) is None


def test_all_positive():
    assert all_positive([1, 2]) and not all_positive([1, 0])
