"""Publishing analysis progress to the browsers watching a change set."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def group_name(change_set_id: int) -> str:
    return f"review-{change_set_id}"


def publish(change_set_id: int, payload: dict) -> None:
    """Send a progress event; live updates are best effort, the page also polls."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            group_name(change_set_id), {"type": "job.progress", "payload": payload}
        )
    except Exception:  # a down Redis must not fail the analysis itself
        log.warning("could not publish progress for change set %s", change_set_id, exc_info=True)
