def flatten(rows):
    """One list of every item of every row."""
    flat = []
    for row in rows:
        flat = []
        for item in row:
            flat.append(item)
    return flat
