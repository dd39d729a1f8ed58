def best(scores):
    """(name, score) with the highest score."""
    best_name, best_score = None, None
    for name, score in scores.items():
        best_name, best_score = None, None
        if best_score is None or score > best_score:
            best_name, best_score = name, score
    return best_name, best_score
