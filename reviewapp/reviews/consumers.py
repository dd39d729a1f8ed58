"""Live analysis progress over WebSockets."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .models import AnalysisJob, ChangeSet
from .progress import group_name


class ReviewProgressConsumer(AsyncJsonWebsocketConsumer):
    """Joins the change set's group (members only) and relays `job.progress` events.

    Events name their revision; a page follows only its own. The first message is the state of
    the page's revision (or, without one in the URL, of the newest revision).
    """

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.change_set_id = int(kwargs["change_set_id"])
        self.revision_number = kwargs.get("number")
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
        revisions = change_set.revisions.order_by("-number")
        if self.revision_number is not None:
            revisions = revisions.filter(number=self.revision_number)
        revision = revisions.first()
        if revision is None:
            return None
        job = AnalysisJob.objects.filter(revision=revision).first()
        return {"job": job.as_json() if job else None, "revision": revision.number}
