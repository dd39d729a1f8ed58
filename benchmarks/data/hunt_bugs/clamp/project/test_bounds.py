from bounds import clamp, sign


def test_inside():
    assert clamp(5, 0, 10) == 5


def test_above():
    assert clamp(12, 0, 10) == 10


def test_below():
    assert clamp(-3, 0, 10) == 0


def test_sign():
    assert [sign(-2), sign(0), sign(7)] == [-1, 0, 1]
