from formatting import pad_left, pad_right


def test_pad():
    assert pad_left("7", 3, "0") == "007"


def test_no_pad():
    assert pad_left("1234", 3) == "1234"


def test_right():
    assert pad_right("ab", 4, ".") == "ab.."
