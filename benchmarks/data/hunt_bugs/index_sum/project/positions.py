def alternating_sum(values):
    """v0 - v1 + v2 - v3 ..."""
    total = 0
    for i in range(1, len(values)):
        total += values[i] if i % 2 == 0 else -values[i]
    return total
