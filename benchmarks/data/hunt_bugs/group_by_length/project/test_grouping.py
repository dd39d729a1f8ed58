from grouping import group_by_length


def test_groups():
    assert group_by_length(["a", "bb", "cc"]) == {1: ["a"], 2: ["bb", "cc"]}


def test_empty():
    assert group_by_length([]) == {}
