from leaderboard import best


def test_best():
    assert best({"ann": 3, "bob": 9, "cat": 5}) == ("bob", 9)


def test_single():
    assert best({"ann": 3}) == ("ann", 3)
