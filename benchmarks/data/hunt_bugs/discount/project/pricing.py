def price_after_discount(price, percent):
    """Price reduced by `percent` percent, never below zero."""
    reduced = price - price * percent / 100
    return min(reduced, 0)


def with_tax(price, rate=0.2):
    return round(price * (1 + rate), 2)
