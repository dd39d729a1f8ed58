from intervals import between, overlap


def test_inside():
    assert between(5, 1, 10)


def test_low_end():
    assert between(1, 1, 10)


def test_high_end():
    assert between(10, 1, 10)


def test_outside():
    assert not between(11, 1, 10)


def test_overlap():
    assert overlap((1, 3), (3, 5)) and not overlap((1, 2), (3, 4))
