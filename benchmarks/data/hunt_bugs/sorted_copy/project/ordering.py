def top_three(values):
    """The three largest values, largest first; the input is left alone."""
    values.sort()
    return sorted(values, reverse=True)[:3]


def smallest(values):
    return min(values)
