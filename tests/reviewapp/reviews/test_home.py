"""The review list: latest update first, failed analyses with their reason."""

from __future__ import annotations

import pytest

from reviewapp.reviews.models import AnalysisJob
from reviewapp.reviews.services import DiffInput, create_change_set

pytestmark = pytest.mark.django_db(transaction=True)


def test_reviews_are_listed_by_last_update(client, member, repository, sample_diff):
    older = create_change_set(repository, "Older", member, DiffInput(diff=sample_diff.encode()))
    create_change_set(repository, "Newer", member, DiffInput(diff=sample_diff.encode()))
    from reviewapp.reviews import jobs

    jobs.reanalyze(older)  # finishing an analysis is an update
    client.force_login(member)
    page = client.get("/").content.decode()
    assert page.index("Older") < page.index("Newer")


def test_a_failed_review_shows_why(client, member, review):
    AnalysisJob.objects.filter(revision=review).update(
        state=AnalysisJob.FAILED, stage="bug detection", error="the weights file is missing")
    client.force_login(member)
    page = client.get("/").content.decode()
    assert "in bug detection: the weights file is missing" in page
