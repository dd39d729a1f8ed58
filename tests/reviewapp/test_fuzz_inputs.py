"""The fuzzing of benchmarks/fuzz.py, a few hundred inputs per target: hostile diffs, TOML and
webhook payloads get a clear answer, never a crash or a 500 (the benchmark runs 100,000)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from benchmarks import fuzz  # noqa: E402

FEW = settings(max_examples=300, deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.function_scoped_fixture])


@FEW
@given(fuzz.diff_inputs())
def test_hostile_diffs_are_parsed_or_refused_with_a_reason(data):
    fuzz.ingest_diff(data)


@FEW
@given(fuzz.toml_inputs())
def test_any_squiggle_toml_loads_with_its_errors_listed(data):
    fuzz.load_repo_config(data)


@pytest.fixture
def webhook_client(client, settings):
    settings.SQUIGGLE_GITHUB = {**settings.SQUIGGLE_GITHUB, "WEBHOOK_SECRET": "",
                                "API_URL": "http://127.0.0.1:9"}
    fuzz.connect_fuzz_repository()
    return client


@pytest.mark.django_db
@settings(FEW, max_examples=150)
@given(delivery=fuzz.webhook_inputs())
def test_signed_hostile_webhooks_never_get_a_500(webhook_client, delivery):
    fuzz.deliver_webhook(webhook_client, *delivery)


@pytest.mark.django_db
def test_a_command_whose_commenter_is_not_an_object_is_queued_not_a_500(webhook_client):
    """Found by the 100,000-input run with seed 1: a `comment.user` that is a list reached
    `.get` (AttributeError, a 500). It reads as an unknown commenter."""
    payload = {"action": "created", "repository": {"full_name": fuzz.FUZZ_REPOSITORY, "id": 7},
               "issue": {"number": 3, "pull_request": {"url": "x"}},
               "comment": {"body": "/squiggle review", "user": ["octocat"]}}
    assert fuzz.deliver_webhook(webhook_client, "issue_comment", json.dumps(payload).encode())
