def group_by_length(words):
    """{length: [words of that length]}."""
    groups = {}
    for word in words:
        groups.setdefault(len(word), []).append(word)
