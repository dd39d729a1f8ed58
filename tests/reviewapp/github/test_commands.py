"""`/squiggle` comments, installation events, and superseding work when a PR moves on."""

from __future__ import annotations

import pytest

from reviewapp.github.hunts import NOT_ALLOWED
from reviewapp.github.models import PullRequestAnalysis, WebhookDelivery
from reviewapp.hunts.models import BugHunt
from reviewapp.reviews.models import Repository

from .conftest import REPO, deliver, pull_request_payload
from .test_pull_request_flow import BASE, HEAD

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def comment(number: int, body: str, user_type: str = "User",
            association: str = "CONTRIBUTOR") -> dict:
    return {"action": "created", "repository": {"full_name": REPO},
            "issue": {"number": number, "pull_request": {"url": "..."}},
            "comment": {"body": body, "author_association": association,
                        "user": {"login": "octocat", "type": user_type}}}


@pytest.fixture
def pull(fake_github, connected):
    return fake_github.open_pull_request(REPO, 4, BASE, HEAD)


def test_a_hunt_asked_by_an_outside_contributor_is_refused_with_the_reason(
        live_server, pull, fake_github):
    response = deliver(live_server.url, "issue_comment",
                       comment(4, "/squiggle hunt the total is off by one"))
    assert response.status_code == 202
    assert [c["body"] for c in fake_github.issue_comments] == [NOT_ALLOWED]
    assert not BugHunt.objects.exists() and PullRequestAnalysis.objects.count() == 0
    assert fake_github.calls_to("GET", r"/tarball/") == []  # nothing of the code was fetched
    assert WebhookDelivery.objects.get().replied


def test_help_lists_the_commands_and_bots_and_plain_comments_are_ignored(live_server, pull,
                                                                         fake_github):
    deliver(live_server.url, "issue_comment", comment(4, "/squiggle help"))
    deliver(live_server.url, "issue_comment", comment(4, "/squiggle help", user_type="Bot"))
    deliver(live_server.url, "issue_comment", comment(4, "looks good to me"))
    assert len(fake_github.issue_comments) == 1
    assert "/squiggle review" in fake_github.issue_comments[0]["body"]
    assert "/squiggle hunt" in fake_github.issue_comments[0]["body"]


def test_review_command_reruns_the_current_head(live_server, pull, fake_github):
    deliver(live_server.url, "pull_request", pull_request_payload(fake_github, 4, "opened"))
    deliver(live_server.url, "issue_comment", comment(4, "/squiggle review"))
    runs = list(PullRequestAnalysis.objects.order_by("run").values_list("run", "state"))
    assert runs == [(1, "done"), (2, "done")]
    assert "Review queued" in fake_github.issue_comments[0]["body"]
    assert len(fake_github.check_runs) == 2


def test_installation_registers_its_repositories(live_server, fake_github, settings):
    settings.SQUIGGLE_GITHUB = {**settings.SQUIGGLE_GITHUB, "WEBHOOK_SECRET": "app-secret"}
    payload = {"action": "created", "installation": {"id": 99, "app_id": 4242},
               "repositories": [{"full_name": "acme/one"}, {"full_name": "acme/two"}]}
    response = deliver(live_server.url, "installation", payload, secret="app-secret")
    assert response.status_code == 202
    registered = Repository.objects.filter(provider=Repository.GITHUB).order_by("full_name")
    assert [(r.full_name, r.installation_id, r.github.app_id) for r in registered] == [
        ("acme/one", 99, 4242), ("acme/two", 99, 4242)]
    added = {"action": "added", "installation": {"id": 99, "app_id": 4242},
             "repositories_added": [{"full_name": "acme/three"}]}
    deliver(live_server.url, "installation_repositories", added, secret="app-secret")
    assert Repository.objects.filter(full_name="acme/three", installation_id=99).exists()


def test_synchronize_supersedes_the_old_heads_unfinished_analysis(live_server, pull,
                                                                 fake_github):
    from reviewapp.celery import app

    app.conf.task_always_eager = False  # keep the first analysis queued
    app.control.purge()
    try:
        deliver(live_server.url, "pull_request", pull_request_payload(fake_github, 4, "opened"))
        fake_github.push(REPO, 4, {**HEAD, "README.md": "# v2\n"})
        deliver(live_server.url, "pull_request",
                pull_request_payload(fake_github, 4, "synchronize"))
        states = list(PullRequestAnalysis.objects.order_by("pk").values_list("state", flat=True))
        assert states == [PullRequestAnalysis.SUPERSEDED, PullRequestAnalysis.QUEUED]
        deliver(live_server.url, "pull_request", pull_request_payload(fake_github, 4, "closed"))
        assert set(PullRequestAnalysis.objects.values_list("state", flat=True)) == {
            PullRequestAnalysis.SUPERSEDED}
    finally:
        app.control.purge()


def test_a_pull_request_github_refuses_to_serve_fails_with_the_reason(live_server, pull,
                                                                      fake_github):
    fake_github.fail_next("GET", r"/pulls/4$", 404, times=5)
    deliver(live_server.url, "pull_request", pull_request_payload(fake_github, 4, "opened"))
    analysis = PullRequestAnalysis.objects.get()
    assert analysis.state == PullRequestAnalysis.FAILED and "404" in analysis.error
    run = next(iter(fake_github.check_runs.values()))
    assert run["status"] == "completed" and "could not read" in run["output"]["summary"]


def test_a_repository_without_credentials_fails_clearly(live_server, pull, fake_github,
                                                       app_key):
    from reviewapp.github.models import GitHubConnection

    GitHubConnection.objects.filter(repository=pull_repository()).update(private_key_path="")
    deliver(live_server.url, "pull_request", pull_request_payload(fake_github, 4, "opened"))
    analysis = PullRequestAnalysis.objects.get()
    assert analysis.state == PullRequestAnalysis.FAILED
    assert "no GitHub credentials" in analysis.error
    assert fake_github.calls == []


def pull_repository() -> Repository:
    return Repository.objects.get(full_name=REPO)
