"""Publishing live progress (analyses, bug hunts) to the browsers watching it."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def group_name(change_set_id: int) -> str:
    return f"review-{change_set_id}"


def send_progress(group: str, payload: dict) -> None:
    """Send a `progress` event to a group; best effort, the pages also poll."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "progress", "payload": payload})
    except Exception:  # a down Redis must not fail the analysis or the hunt itself
        log.warning("could not publish progress to %s", group, exc_info=True)


def publish(change_set_id: int, payload: dict) -> None:
    """A change set's analysis progress."""
    send_progress(group_name(change_set_id), payload)
