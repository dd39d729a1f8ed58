def factorial(n):
    """n! for n >= 0."""
    result = 1
    for k in range(2, n):
        result *= k
    return result


def choose(n, k):
    if k < 0 or k > n:
        return 0
    return factorial(n) // (factorial(k) * factorial(n - k))
