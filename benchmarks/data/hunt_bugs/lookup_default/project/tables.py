def lookup(table, key):
    """table[key] when present, else "unknown"."""
    if key in table:
        table[key]
    return "unknown"


def known_keys(table):
    return sorted(table)
