"""The webhook endpoint over real HTTP (live server, PostgreSQL, Redis): refuse, store, enqueue."""

from __future__ import annotations

import json

import httpx
import pytest
import redis
from django.conf import settings

from reviewapp.github.models import PullRequestAnalysis, WebhookDelivery
from reviewapp.github.signature import sign

from .conftest import REPO, SECRET, deliver, pull_request_payload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker():
    """This process enqueues to the real Redis broker; the queue starts empty."""
    from reviewapp.celery import app

    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (make test sets it)")
    app.conf.task_always_eager = False
    app.control.purge()
    return redis.Redis.from_url(settings.REDIS_URL)


@pytest.fixture
def opened(connected, fake_github):
    fake_github.open_pull_request(REPO, 3, {"a.py": "A = 1\n"}, {"a.py": "A = 2\n"})
    return pull_request_payload(fake_github, 3, "opened")


def post_raw(live_server, body: bytes, headers: dict) -> httpx.Response:
    return httpx.post(f"{live_server.url}/github/webhook", content=body, timeout=30,
                      headers={"Content-Type": "application/json", "X-GitHub-Event":
                               "pull_request", "X-GitHub-Delivery": "d-1", **headers})


@pytest.mark.parametrize("signature", [
    None, "", "sha256=" + "0" * 64, "sha1=abc", "sha256=not-hex",
    sign("a different secret", b"{}"),
])
def test_missing_or_wrong_signature_is_refused_with_nothing_stored_or_enqueued(
        live_server, broker, opened, signature):
    body = json.dumps(opened).encode()
    headers = {} if signature is None else {"X-Hub-Signature-256": signature}
    response = post_raw(live_server, body, headers)
    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0
    assert PullRequestAnalysis.objects.count() == 0
    assert broker.llen("celery") == 0


def test_signature_of_a_different_body_is_refused(live_server, broker, opened):
    body = json.dumps(opened).encode()
    response = post_raw(live_server, body + b" ", {"X-Hub-Signature-256": sign(SECRET, body)})
    assert response.status_code == 401 and WebhookDelivery.objects.count() == 0


def test_ping_is_answered_and_unknown_events_are_ignored(live_server, broker, connected):
    ping = deliver(live_server.url, "ping", {"zen": "Design for failure.", "hook_id": 1})
    assert ping.status_code == 200
    star = deliver(live_server.url, "star", {"action": "created",
                                             "repository": {"full_name": REPO}})
    assert star.status_code == 202 and "ignored" in star.json()["outcome"]
    labeled = deliver(live_server.url, "pull_request", {
        **pull_request_payload_for_labels(), "action": "labeled"})
    assert labeled.status_code == 202
    assert PullRequestAnalysis.objects.count() == 0 and broker.llen("celery") == 0


def pull_request_payload_for_labels() -> dict:
    return {"number": 9, "pull_request": {"number": 9, "head": {"sha": "a" * 40},
                                          "base": {"sha": "b" * 40}},
            "repository": {"full_name": REPO}}


def test_malformed_json_with_a_valid_signature_is_a_clear_400(live_server, broker, connected):
    body = b"{not json"
    response = post_raw(live_server, body, {"X-Hub-Signature-256": sign(SECRET, body)})
    assert response.status_code == 400 and "JSON" in response.json()["error"]


def test_opened_stores_the_delivery_and_enqueues_one_analysis(live_server, broker, opened):
    response = deliver(live_server.url, "pull_request", opened, delivery="del-1")
    assert response.status_code == 202
    again = deliver(live_server.url, "pull_request", opened, delivery="del-1")
    assert again.status_code == 200 and "duplicate" in again.json()["outcome"]
    other = deliver(live_server.url, "pull_request", {**opened, "action": "reopened"})
    assert other.status_code == 202 and "already" in other.json()["outcome"]
    assert WebhookDelivery.objects.count() == 2
    analysis = PullRequestAnalysis.objects.get()
    assert (analysis.number, analysis.state) == (3, PullRequestAnalysis.QUEUED)
    assert broker.llen("celery") == 1


def test_a_repositorys_secret_cannot_sign_for_another_repository(live_server, broker, opened):
    from reviewapp.github.connect import connect_repository

    connect_repository("evil/repo", token="t", webhook_secret="evil-secret")
    response = deliver(live_server.url, "pull_request", opened, secret="evil-secret")
    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0
