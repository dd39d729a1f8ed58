from decimal import Decimal


def parse_price(text):
    """Parse '12.50' or '12,50' into a Decimal."""
    return Decimal(text.replace(",", "."))


def apply_discount(price, percent):
    return price * (Decimal(100) - percent) / Decimal(100)
