from letters import consonants, count_vowels


def test_vowels():
    assert count_vowels("Banana") == 3


def test_none():
    assert count_vowels("xyz") == 0


def test_consonants():
    assert consonants("abc") == ["b", "c"]
