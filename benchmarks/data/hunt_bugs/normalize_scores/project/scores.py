def normalize(scores):
    """Scores scaled to [0, 1]; all zeros when they are equal."""
    low, high = min(scores), max(scores)
    if high == low:
        return [0.0 for _ in scores]
    scaled = []
    for s in scores:
        scaled.append((s - low) / (high - low))
