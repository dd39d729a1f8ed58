from validation import valid_percent, valid_port


def test_low():
    assert valid_port(1)


def test_high():
    assert valid_port(65535)


def test_zero():
    assert not valid_port(0)


def test_percent():
    assert valid_percent(100) and not valid_percent(101)
