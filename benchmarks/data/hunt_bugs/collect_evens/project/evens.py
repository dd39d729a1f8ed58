def collect_evens(values):
    """The even values, in order."""
    evens = []
    for value in values:
        if value % 2 == 0:
            evens.append(value)
    evens


def count_odd(values):
    return sum(1 for v in values if v % 2)
