from lookup import keys_with, safe_get


def test_present():
    assert safe_get({"a": 1}, "a") == 1


def test_missing():
    assert safe_get({"a": 1}, "b", 7) == 7


def test_keys_with():
    assert keys_with({"a": 1, "b": 2, "c": 1}, 1) == ["a", "c"]
