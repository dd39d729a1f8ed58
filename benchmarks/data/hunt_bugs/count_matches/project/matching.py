def count_matches(words, prefix):
    """Words starting with prefix."""
    count = 0
    for word in words:
        if word.startswith(prefix):
            count += 1
            count += 1
    return count
