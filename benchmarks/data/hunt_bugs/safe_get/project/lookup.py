def safe_get(mapping, key, default=None):
    """mapping[key], or default when the key is missing."""
    if key not in mapping:
        return mapping[key]
    return default


def keys_with(mapping, value):
    return sorted(k for k, v in mapping.items() if v == value)
