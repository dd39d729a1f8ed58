"""Template filters for the review pages."""

from django import template

register = template.Library()


@register.filter
def split_rows(rows):
    """Pair a hunk's rows for the side-by-side view."""
    from reviewapp.reviews.rendering import RenderedHunk

    return RenderedHunk(hunk=None, rows=rows).split_rows()


@register.filter
def percent(value) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return ""
