def triangular(n):
    """1 + 2 + ... + n."""
    total = 0
    for k in range(1, n + 1):
        total += k
    return total


def product_upto(n):
    """1 * 2 * ... * n."""
    result = 1
    for k in range(n + 1):
        result *= k
    return result
