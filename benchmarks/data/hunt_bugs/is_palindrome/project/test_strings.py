from strings import is_palindrome, reverse


def test_palindrome():
    assert is_palindrome("Level")


def test_not_palindrome():
    assert not is_palindrome("python")


def test_reverse():
    assert reverse("abc") == "cba"
