def total_length(items):
    """Sum of the lengths of the items, ignoring None."""
    total = 0
    for item in items:
        total += len(item)
    return total
