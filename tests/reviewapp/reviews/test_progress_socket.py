"""The progress socket speaks for the page's own revision, members only."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from reviewapp.reviews.consumers import ReviewProgressConsumer
from reviewapp.reviews.models import AnalysisJob
from reviewapp.reviews.services import DiffInput, add_revision

pytestmark = pytest.mark.django_db(transaction=True)


def _first_message(user, change_set_id: int, number: int | None) -> dict | None:
    kwargs = {"change_set_id": change_set_id}
    path = f"/ws/reviews/{change_set_id}/"
    if number is not None:
        kwargs["number"] = number
        path += f"r/{number}/"

    async def talk():
        communicator = WebsocketCommunicator(ReviewProgressConsumer.as_asgi(), path)
        communicator.scope["user"] = user
        communicator.scope["url_route"] = {"kwargs": kwargs}
        connected, _ = await communicator.connect()
        message = await communicator.receive_json_from() if connected else None
        await communicator.disconnect()
        return message

    return async_to_sync(talk)()


def test_an_older_revision_page_gets_its_own_job_not_the_newest(review, member, sample_diff):
    newer = add_revision(review.change_set, DiffInput(diff=sample_diff.encode()))
    AnalysisJob.objects.filter(revision=newer).update(state=AnalysisJob.RUNNING,
                                                      stage="bug detection")
    older = _first_message(member, review.change_set_id, 1)
    assert older["revision"] == 1 and older["job"]["state"] == "done"
    newest = _first_message(member, review.change_set_id, None)
    assert newest["revision"] == 2 and newest["job"]["stage"] == "bug detection"


def test_a_non_member_is_turned_away(review, outsider):
    assert _first_message(outsider, review.change_set_id, 1) is None


def test_published_progress_reaches_the_open_socket(review, member):
    from channels.layers import get_channel_layer

    from reviewapp.reviews.progress import group_name

    async def talk():
        path = f"/ws/reviews/{review.change_set_id}/r/1/"
        communicator = WebsocketCommunicator(ReviewProgressConsumer.as_asgi(), path)
        communicator.scope["user"] = member
        communicator.scope["url_route"] = {"kwargs": {"change_set_id": review.change_set_id,
                                                      "number": 1}}
        await communicator.connect()
        await communicator.receive_json_from()
        await get_channel_layer().group_send(group_name(review.change_set_id), {
            "type": "progress", "payload": {"revision": 1, "job": {"state": "running"}}})
        message = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return message

    assert async_to_sync(talk)() == {"revision": 1, "job": {"state": "running"}}
