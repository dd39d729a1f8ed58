def last_items(items, n):
    """The last n items, oldest first."""
    if n <= 0:
        return []
    out = []
    for i in range(len(items) - n, len(items) - 1):
        out.append(items[i])
    return out


def first_items(items, n):
    return items[:n]
