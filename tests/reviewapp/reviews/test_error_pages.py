"""Errors in plain words: no debug page, no traceback, no URL list; oversize input is a 413."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def test_make_run_does_not_turn_on_django_debug():
    makefile = (ROOT / "Makefile").read_text()
    run_recipe = re.search(r"^run:.*?(?=^\S)", makefile, re.S | re.M).group(0)
    assert "SQUIGGLE_DEBUG" not in run_recipe


def test_a_missing_page_is_plain_and_lists_no_urls(client, member):
    client.force_login(member)
    response = client.get("/reviews/999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Not found" in body and "URLconf" not in body and "reviews/<int" not in body


def test_an_unknown_url_is_a_plain_404(client, member):
    client.force_login(member)
    response = client.get("/no/such/page")
    assert response.status_code == 404 and 'id="error-page"' in response.content.decode()


def test_a_crash_is_a_plain_500_without_traceback(client, member, review, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("reviewapp.reviews.services.viewed_paths", broken)
    client.raise_request_exception = False
    client.force_login(member)
    response = client.get(review.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body and "secret internals" not in body
    assert "Traceback" not in body


def test_an_oversized_pasted_diff_is_a_clear_413(client, member, settings):
    settings.SQUIGGLE = {**settings.SQUIGGLE, "MAX_DIFF_BYTES": 2_000}
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 3_000
    client.force_login(member)
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n" * 400
    response = client.post(reverse("reviews:new"), {
        "title": "big", "new_repository": "acme/big", "diff": diff})
    body = response.content.decode()
    assert response.status_code == 413
    assert "Squiggle takes diffs up to" in body and "Traceback" not in body


def test_an_oversized_body_without_length_is_still_a_413(rf, settings):
    """Chunked bodies have no Content-Length: Django's own size check answers, as a 413."""
    from django.core.exceptions import RequestDataTooBig

    from reviewapp.reviews.views import bad_request

    request = rf.get("/")
    request.user = None
    response = bad_request(request, RequestDataTooBig("too big"))
    assert response.status_code == 413


def test_health_check_does_not_reveal_database_errors(client, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise RuntimeError('connection to server at "10.0.0.5", port 5432 failed: password')

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
