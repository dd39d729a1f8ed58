def between(value, low, high):
    """True when low <= value <= high (both ends included)."""
    return low < value < high


def overlap(a, b):
    return a[0] <= b[1] and b[0] <= a[1]
