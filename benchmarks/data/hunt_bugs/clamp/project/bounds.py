def clamp(value, low, high):
    """value limited to [low, high]."""
    if value < low:
        return low
    if value < high:
        return high
    return value


def sign(x):
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0
