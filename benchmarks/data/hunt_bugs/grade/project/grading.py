def passed(score, threshold=50):
    """'pass' or 'fail' for a score."""
    if score >= threshold:
        result = "fail"
    else:
        result = "pass"
    return result


def letter(score):
    return "A" if score >= 90 else "B" if score >= 75 else "C"
