"""Live progress over WebSockets."""

from __future__ import annotations

from abc import ABC, abstractmethod

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .models import AnalysisJob, ChangeSet
from .progress import group_name


class ProgressConsumer(AsyncJsonWebsocketConsumer, ABC):
    """Joins one progress group, if the user may see it, and relays its `progress` events; the
    first message is the current state. Subclasses name the group and read the state.

    Membership is checked again before every message that carries data (a relayed event, or the
    state sent again when the page asks with any message): a user removed from the repository
    while the socket is open hears nothing more, and the socket closes (4404).
    """

    async def connect(self) -> None:
        state = await database_sync_to_async(self.current_state)()
        if state is None:
            await self.close(code=4404)
            return
        self.group = self.group_name()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(state)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def progress(self, event: dict) -> None:
        if await database_sync_to_async(self.current_state)() is None:
            await self.close(code=4404)
            return
        await self.send_json(event["payload"])

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        """Any message from the page, whatever it holds, asks for the current state again."""
        state = await database_sync_to_async(self.current_state)()
        if state is None:
            await self.close(code=4404)
            return
        await self.send_json(state)

    @property
    def user(self):
        user = self.scope.get("user")
        return user if user is not None and user.is_authenticated else None

    @abstractmethod
    def group_name(self) -> str:
        """The channel-layer group whose events this socket relays."""

    @abstractmethod
    def current_state(self) -> dict | None:
        """The state to send first; None refuses the connection (not visible to the user)."""


class ReviewProgressConsumer(ProgressConsumer):
    """A change set's analysis progress, members only.

    Events name their revision; a page follows only its own. The first message is the state of
    the page's revision (or, without one in the URL, of the newest revision).
    """

    def group_name(self) -> str:
        return group_name(int(self.scope["url_route"]["kwargs"]["change_set_id"]))

    def current_state(self) -> dict | None:
        if self.user is None:
            return None
        kwargs = self.scope["url_route"]["kwargs"]
        change_set = ChangeSet.objects.visible_to(self.user).filter(
            pk=int(kwargs["change_set_id"])).first()
        if change_set is None:
            return None
        revisions = change_set.revisions.order_by("-number")
        if kwargs.get("number") is not None:
            revisions = revisions.filter(number=kwargs["number"])
        revision = revisions.first()
        if revision is None:
            return None
        job = AnalysisJob.objects.filter(revision=revision).first()
        return {"job": job.as_json() if job else None, "revision": revision.number}
