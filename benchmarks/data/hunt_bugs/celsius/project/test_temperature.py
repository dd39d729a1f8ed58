from temperature import to_celsius, to_fahrenheit


def test_freezing():
    assert to_celsius(32) == 0


def test_boiling():
    assert to_celsius(212) == 100


def test_fahrenheit():
    assert to_fahrenheit(100) == 212
