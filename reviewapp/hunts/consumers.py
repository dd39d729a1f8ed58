"""Live hunt progress over WebSockets (the page polls too, for set-ups without Channels)."""

from __future__ import annotations

from reviewapp.reviews.consumers import ProgressConsumer
from reviewapp.reviews.models import Repository

from .models import BugHunt
from .progress import group_name


class HuntProgressConsumer(ProgressConsumer):
    """A hunt's progress, repository members only; the first message is its state."""

    def group_name(self) -> str:
        return group_name(int(self.scope["url_route"]["kwargs"]["hunt_id"]))

    def current_state(self) -> dict | None:
        if self.user is None:
            return None
        hunt = BugHunt.objects.filter(
            pk=int(self.scope["url_route"]["kwargs"]["hunt_id"]),
            repository__in=Repository.objects.visible_to(self.user)).first()
        return hunt.as_json() if hunt else None
