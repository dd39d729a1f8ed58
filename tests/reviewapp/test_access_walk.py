"""The access walk: every URL pattern and WebSocket route, as anonymous, non-member and member.

URLs are read from the URLconf, not listed by hand, so a new route is walked the day it is
added (and fails here until the walk knows how to fill its arguments). Expected: anonymous users
are sent to a sign-in page, a signed-in non-member gets 404 on every object and sees none of the
member's data on listing pages, a member gets the page; sockets close for all but members.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.urls import URLPattern, URLResolver, get_resolver

from reviewapp.hunts.models import BugHunt, Candidate

pytestmark = pytest.mark.django_db(transaction=True)

# Open to anyone (each answers by itself: the webhook checks its signature).
OPEN = {"healthz", "login", "logout", "admin:login", "admin:logout", "github:webhook"}
SIGN_IN = "/accounts/login/"
ADMIN_SIGN_IN = "/admin/login/"
MEMBER_SECRETS = ("Order totals", "acme/shop", "the secret off-by-one")
# Query strings a route needs for a member's request to be complete.
QUERIES = {"reviews:file_context": "?first=1&last=2"}


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name, or the path pattern when it has no name
    path: str  # with real objects' ids filled in

    @property
    def is_admin(self) -> bool:
        return self.path.startswith("/admin/")


def _url_patterns(patterns, namespace: str = "", prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _url_patterns(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name or route, route


def _fill(route: str, values: dict) -> str:
    """A route or regex pattern with each named argument replaced by a real value."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)
    missing = [name for name in names if name not in values]
    assert not missing, f"the access walk has no value for {missing} in {route}: add one"
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
    path = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", lambda m: str(values[m.group(1)]),
                  path)
    return "/" + path.replace("^", "").replace("$", "")


@pytest.fixture
def world(review, price_finding, repository):
    """One of each object a URL names, all in the member's repository."""
    hunt = BugHunt.objects.create(repository=repository, test_command="python -m pytest",
                                  issue_text="the secret off-by-one", state=BugHunt.FIXED)
    candidate = Candidate.objects.create(
        hunt=hunt, status=Candidate.VALIDATED, stage="inverse", kind="off_by_one",
        path="pkg/models.py", line=6, rank=1,
        diff=("diff --git a/pkg/models.py b/pkg/models.py\n--- a/pkg/models.py\n"
              "+++ b/pkg/models.py\n@@ -6 +6 @@\n-    return 1\n+    return 2\n"))
    return {
        "change_set_id": review.change_set_id, "number": review.number,
        "file_id": review.files.first().pk, "finding_id": price_finding.pk,
        "repository_id": repository.pk, "hunt_id": hunt.pk, "candidate_id": candidate.pk,
        # the admin's own arguments: it signs users in before it looks anything up
        "object_id": review.change_set_id, "id": review.change_set_id, "content_type_id": 1,
        "app_label": "reviews",
        "url": "no-such-admin-page/",
    }


@pytest.fixture
def routes(world) -> list[Route]:
    found = [Route(name, _fill(route, world) + QUERIES.get(name, ""))
             for name, route in _url_patterns(get_resolver().url_patterns)]
    assert len(found) > 40  # the site's and the admin's
    return found


def _both_methods(client, route: Route) -> dict[str, int]:
    return {"get": client.get(route.path).status_code,
            "post": client.post(route.path).status_code}


def _sent_to(response, sign_in: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith(sign_in)


def test_anonymous_users_are_sent_to_sign_in_everywhere_but_open_routes(client, routes):
    for route in routes:
        if route.name in OPEN:
            for method in ("get", "post"):
                response = getattr(client, method)(route.path)
                assert response.status_code < 500, (route, method)
            continue
        response = client.get(route.path)
        if route.is_admin:
            assert _sent_to(response, ADMIN_SIGN_IN) or response.status_code == 404, route
        else:
            assert _sent_to(response, SIGN_IN), (route, response.status_code)
            assert _sent_to(client.post(route.path), SIGN_IN), route


def test_a_non_member_gets_404_on_every_object_and_sees_nothing_listed(client, routes,
                                                                       outsider):
    client.force_login(outsider)
    for route in routes:
        if route.name in OPEN:
            continue
        if route.is_admin:  # not staff: the admin's sign-in page, whatever the object
            response = client.get(route.path)
            assert _sent_to(response, ADMIN_SIGN_IN) or response.status_code == 404, route
            continue
        statuses = _both_methods(client, route)
        if re.search(r"/\d+", route.path):
            # 405 for the method a route never takes, 404 for the one it does
            assert set(statuses.values()) <= {404, 405} and 404 in statuses.values(), \
                (route, statuses)
        else:
            page = client.get(route.path)
            assert page.status_code == 200, route
            leaked = [s for s in MEMBER_SECRETS if s in page.content.decode()]
            assert not leaked, (route, leaked)


def test_a_member_reaches_every_object(client, routes, member):
    client.force_login(member)
    for route in routes:
        if route.name in OPEN or route.is_admin:
            continue
        response = client.get(route.path)
        if response.status_code == 405:
            response = client.post(route.path)
            assert response.status_code < 500 and response.status_code not in (403, 404), \
                (route, response.status_code)
        else:
            assert response.status_code in (200, 302), (route, response.status_code)
        assert not _sent_to(response, SIGN_IN), route


# -- WebSockets ---------------------------------------------------------------------------------

def _socket_routes(world) -> list[str]:
    from reviewapp.hunts.routing import websocket_urlpatterns as hunt_routes
    from reviewapp.reviews.routing import websocket_urlpatterns as review_routes

    return [_fill(str(pattern.pattern), world) for pattern in review_routes + hunt_routes]


def _open_socket(client, path: str):
    """Through the whole ASGI application: origin check, session cookie, routing."""
    from reviewapp.asgi import application

    headers = [(b"origin", b"http://127.0.0.1")]
    if "sessionid" in client.cookies:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


def _first_answer(client, path: str) -> dict | None:
    async def talk():
        communicator = _open_socket(client, path)
        connected, _ = await communicator.connect()
        message = await communicator.receive_json_from() if connected else None
        await communicator.disconnect()
        return message

    return async_to_sync(talk)()


@pytest.mark.parametrize("who", ["anonymous", "outsider", "member"])
def test_every_socket_route_opens_for_members_only(client, world, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    paths = _socket_routes(world)
    assert len(paths) == 3
    for path in paths:
        answer = _first_answer(client, path)
        assert (answer is not None) == (who == "member"), (path, who)


def test_a_member_removed_while_connected_hears_nothing_more(client, world, member,
                                                             repository):
    """Membership is checked again before each message that carries data."""
    from channels.layers import get_channel_layer

    from reviewapp.reviews.progress import group_name

    client.force_login(member)
    path = f"/ws/reviews/{world['change_set_id']}/r/1/"
    event = {"type": "progress", "payload": {"revision": 1, "job": {"state": "running"}}}

    async def talk():
        communicator = _open_socket(client, path)
        assert (await communicator.connect())[0]
        await communicator.receive_json_from()
        await communicator.send_to(text_data="state?")
        again = await communicator.receive_json_from(timeout=5)
        await get_channel_layer().group_send(group_name(world["change_set_id"]), event)
        relayed = await communicator.receive_json_from(timeout=5)
        from channels.db import database_sync_to_async
        await database_sync_to_async(repository.members.remove)(member)
        await get_channel_layer().group_send(group_name(world["change_set_id"]), event)
        after = await communicator.receive_output(timeout=5)
        await communicator.disconnect()
        return again, relayed, after

    again, relayed, after = async_to_sync(talk)()
    assert again["revision"] == 1 and relayed == event["payload"]
    assert after == {"type": "websocket.close", "code": 4404}
