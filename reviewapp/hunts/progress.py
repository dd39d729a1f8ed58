"""Publishing hunt progress to the browsers watching a hunt (best effort: the page also polls)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def group_name(hunt_id: int) -> str:
    return f"hunt-{hunt_id}"


def publish(hunt_id: int, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(hunt_id),
                                        {"type": "hunt.progress", "payload": payload})
    except Exception:  # a down Redis must not fail the hunt
        log.warning("could not publish progress for hunt %s", hunt_id, exc_info=True)
