def argmax(values):
    """Index of the largest value (first one on ties)."""
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[i - 1]:
            best = i
    return best


def total(values):
    result = 0
    for v in values:
        result += v
    return result
