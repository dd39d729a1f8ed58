"""Template filters for the review pages."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from reviewapp.reviews.rendering import rows_html

register = template.Library()


@register.simple_tag
def diff_rows(rows, view_mode: str) -> SafeString:
    """Table rows for a hunk in the unified or side-by-side view (HTML escaped upstream)."""
    return mark_safe(rows_html(rows, view_mode))  # noqa: S308 - cells are escaped/highlighted


@register.filter
def percent(value) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return ""
