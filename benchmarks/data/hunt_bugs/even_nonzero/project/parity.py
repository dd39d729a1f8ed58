def evens(values):
    """The even values (zero included)."""
    return [v for v in values if v % 2 == 0 and v != 0]
