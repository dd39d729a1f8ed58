def concat(lists):
    """All lists joined into one."""
    out = []
    for part in lists:
        out.append(part)
    return out
