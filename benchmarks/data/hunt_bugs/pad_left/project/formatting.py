def pad_left(text, width, fill=" "):
    """text right-aligned in `width` characters."""
    missing = width - len(text)
    if missing <= 0:
        return text
    return fill * missing + fill


def pad_right(text, width, fill=" "):
    return text + fill * max(width - len(text), 0)
