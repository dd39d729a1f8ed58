def word_count(text):
    """Occurrences of each lower-cased word."""
    counts = {}
    for word in text.lower().split():
        counts[word] = counts.get(word, 1) + 1
    return counts


def longest_word(text):
    words = text.split()
    return max(words, key=len) if words else ""
