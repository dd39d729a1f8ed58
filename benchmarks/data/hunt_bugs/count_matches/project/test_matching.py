from matching import count_matches


def test_two():
    assert count_matches(["apple", "apricot", "banana"], "ap") == 2


def test_none():
    assert count_matches(["kiwi"], "ap") == 0
