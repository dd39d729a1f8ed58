def ratios(numerators, denominators):
    """Element-wise ratios; None where the denominator is zero."""
    out = []
    for n, d in zip(numerators, denominators):
        out.append(None if d != 0 else n / d)
    return out
