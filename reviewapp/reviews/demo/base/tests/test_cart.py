from decimal import Decimal

from shop.cart import Cart


def test_total_sums_items():
    cart = Cart()
    cart.add("tea", "2.50", 2)
    assert cart.total() == Decimal("5.00")
