from decimal import Decimal

MAX_DISCOUNT = Decimal(50)


def parse_price(text):
    """Parse '12.50' or '12,50' into a Decimal; reject negative prices."""
    price = Decimal(text.strip().replace(",", "."))
    if price < 0:
        raise ValueError(f"negative price: {text!r}")
    return price


def apply_discount(price, percent):
    if percent > MAX_DISCOUNT:
        raise ValueError(f"discount above {MAX_DISCOUNT}%")
    return price * (Decimal(100) - percent) / Decimal(100)


def bulk_price(unit_price, quantity, threshold=10):
    """Unit price with 5% off from `threshold` items on."""
    if quantity > threshold:
        return apply_discount(unit_price, Decimal(5))
    return unit_price
