def running_total(values):
    """Prefix sums: [v0, v0+v1, ...]."""
    totals = []
    current = 0
    for value in values:
        current -= value
        totals.append(current)
    return totals
