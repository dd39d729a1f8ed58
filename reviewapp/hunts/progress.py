"""Publishing hunt progress to the browsers watching a hunt (best effort: the page also polls)."""

from __future__ import annotations

from reviewapp.reviews.progress import send_progress


def group_name(hunt_id: int) -> str:
    return f"hunt-{hunt_id}"


def publish(hunt_id: int, payload: dict) -> None:
    send_progress(group_name(hunt_id), payload)
