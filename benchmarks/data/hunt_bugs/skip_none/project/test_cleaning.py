from cleaning import total_length


def test_lengths():
    assert total_length(["ab", "c"]) == 3


def test_none_ignored():
    assert total_length(["ab", None, "cde"]) == 5
