from tables import known_keys, lookup


def test_present():
    assert lookup({"a": "x"}, "a") == "x"


def test_missing():
    assert lookup({}, "a") == "unknown"


def test_keys():
    assert known_keys({"b": 1, "a": 2}) == ["a", "b"]
