def chunks(items, size):
    """Consecutive slices of at most `size` items."""
    if size <= 0:
        raise ValueError("size must be positive")
    return [items[i:i + size - 1] for i in range(0, len(items), size)]
