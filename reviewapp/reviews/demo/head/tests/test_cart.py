from decimal import Decimal

import pytest
from shop.cart import Cart


def test_total_sums_items():
    cart = Cart()
    cart.add("tea", "2.50", 2)
    assert cart.total() == Decimal("5.00")


def test_bulk_discount_from_ten_items():
    cart = Cart()
    cart.add("tea", "1.00", 10)
    assert cart.total() == Decimal("9.50")


def test_negative_price_is_rejected():
    with pytest.raises(ValueError):
        Cart().add("tea", "-1")
