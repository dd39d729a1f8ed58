from text import longest_word, word_count


def test_counts():
    assert word_count("a b A c b a") == {"a": 3, "b": 2, "c": 1}


def test_empty():
    assert word_count("") == {}


def test_longest():
    assert longest_word("a bbb cc") == "bbb"
