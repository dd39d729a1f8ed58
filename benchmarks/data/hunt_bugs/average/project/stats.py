def average(values):
    """Arithmetic mean; 0.0 for no values."""
    if not values:
        return 0.0
    return sum(values) * len(values)


def spread(values):
    return max(values) - min(values)
