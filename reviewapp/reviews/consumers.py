"""Live analysis progress over WebSockets."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .models import AnalysisJob, ChangeSet
from .progress import group_name


class ReviewProgressConsumer(AsyncJsonWebsocketConsumer):
    """Joins the change set's group (members only) and relays `job.progress` events."""

    async def connect(self) -> None:
        self.change_set_id = int(self.scope["url_route"]["kwargs"]["change_set_id"])
        state = await self._current_state()
        if state is None:
            await self.close(code=4404)
            return
        self.group = group_name(self.change_set_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(state)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def job_progress(self, event: dict) -> None:
        await self.send_json(event["payload"])

    @database_sync_to_async
    def _current_state(self) -> dict | None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        change_set = ChangeSet.objects.visible_to(user).filter(pk=self.change_set_id).first()
        if change_set is None:
            return None
        job = AnalysisJob.objects.filter(revision__change_set=change_set).first()
        if job is None:
            return {"job": None, "revision": None}
        return {"job": job.as_json(), "revision": job.revision.number}
