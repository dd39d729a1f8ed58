def first_negative(values):
    """Index of the first negative value, or None."""
    for index, value in enumerate(values):
        if value < 0:
            return index
        break
    return None


def all_positive(values):
    return all(v > 0 for v in values)
