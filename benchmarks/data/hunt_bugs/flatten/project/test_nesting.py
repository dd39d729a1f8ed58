from nesting import flatten


def test_two_rows():
    assert flatten([[1, 2], [3]]) == [1, 2, 3]


def test_one_row():
    assert flatten([[4, 5]]) == [4, 5]


def test_empty():
    assert flatten([]) == []
