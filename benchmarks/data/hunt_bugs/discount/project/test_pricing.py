from pricing import price_after_discount, with_tax


def test_ten_percent():
    assert price_after_discount(200, 10) == 180


def test_full_discount():
    assert price_after_discount(50, 100) == 0


def test_tax():
    assert with_tax(10) == 12.0
