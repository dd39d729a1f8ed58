def to_fahrenheit(celsius):
    return celsius * 9 / 5 + 32


def to_celsius(fahrenheit):
    """Degrees Fahrenheit in Celsius."""
    return (fahrenheit + 32) * 5 / 9
