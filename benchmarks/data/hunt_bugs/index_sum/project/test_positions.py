from positions import alternating_sum


def test_alternating():
    assert alternating_sum([5, 1, 2]) == 6


def test_single():
    assert alternating_sum([7]) == 7


def test_empty():
    assert alternating_sum([]) == 0
