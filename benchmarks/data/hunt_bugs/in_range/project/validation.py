def valid_port(port):
    """TCP ports 1..65535."""
    return isinstance(port, int) and 1 <= port < 65535


def valid_percent(value):
    return 0 <= value <= 100
