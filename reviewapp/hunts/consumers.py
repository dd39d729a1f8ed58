"""Live hunt progress over WebSockets (the page polls too, for set-ups without Channels)."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from reviewapp.reviews.models import Repository

from .models import BugHunt
from .progress import group_name


class HuntProgressConsumer(AsyncJsonWebsocketConsumer):
    """Joins the hunt's group (repository members only); the first message is its state."""

    async def connect(self) -> None:
        self.hunt_id = int(self.scope["url_route"]["kwargs"]["hunt_id"])
        state = await self._current_state()
        if state is None:
            await self.close(code=4404)
            return
        self.group = group_name(self.hunt_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(state)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def hunt_progress(self, event: dict) -> None:
        await self.send_json(event["payload"])

    @database_sync_to_async
    def _current_state(self) -> dict | None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        hunt = BugHunt.objects.filter(
            pk=self.hunt_id, repository__in=Repository.objects.visible_to(user)).first()
        return hunt.as_json() if hunt else None
