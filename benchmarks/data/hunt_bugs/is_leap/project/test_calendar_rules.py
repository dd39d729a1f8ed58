from calendar_rules import days_in_year, is_leap


def test_ordinary_leap():
    assert is_leap(2024)


def test_century():
    assert not is_leap(1900)


def test_four_hundred():
    assert is_leap(2000)


def test_days():
    assert days_in_year(2023) == 365
