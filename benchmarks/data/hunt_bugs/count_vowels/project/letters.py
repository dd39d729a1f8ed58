VOWELS = "aeiou"


def count_vowels(text):
    """Vowels in text, any case."""
    return sum(1 for ch in text.lower() if ch not in VOWELS)


def consonants(text):
    return [ch for ch in text.lower() if ch.isalpha() and ch not in VOWELS]
