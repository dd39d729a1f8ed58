from merging import merge_sorted


def test_interleaved():
    assert merge_sorted([1, 4, 6], [2, 3, 8, 9]) == [1, 2, 3, 4, 6, 8, 9]


def test_empty_left():
    assert merge_sorted([], [1, 2]) == [1, 2]


def test_empty_right():
    assert merge_sorted([1, 2], []) == [1, 2]
