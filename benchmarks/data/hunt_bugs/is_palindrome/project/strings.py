def is_palindrome(word):
    """True when the word reads the same backwards (case-insensitive)."""
    word = word.lower()
    left, right = 0, len(word) - 1
    while left < right:
        if word[left] == word[right]:
            return False
        left += 1
        right -= 1
    return True


def reverse(word):
    return word[::-1]
