from joining import concat


def test_concat():
    assert concat([[1], [2, 3]]) == [1, 2, 3]


def test_empty():
    assert concat([]) == []
