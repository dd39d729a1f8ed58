"""Interdiff: what changed between two revisions, since the reviewer's last visit by default."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviewapp.reviews.services import DiffInput, add_revision

pytestmark = pytest.mark.django_db


def test_interdiff_shows_only_files_that_changed(client, review, member, sample_diff):
    client.force_login(member)
    client.get(review.get_absolute_url())  # the reviewer saw r1
    changed = sample_diff.replace('return f"{order.items} {total}"', 'return f"{total}!"')
    add_revision(review.change_set, DiffInput(diff=changed.encode()))
    response = client.get(reverse("reviews:interdiff", args=[review.change_set_id]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "r1 → r2" in page
    assert "pkg/views.py" in page and "pkg/models.py" not in page
    assert "3 unchanged" in page


def test_revision_page_offers_changes_since_last_review(client, review, member, sample_diff):
    client.force_login(member)
    client.get(review.get_absolute_url())
    second = add_revision(review.change_set,
                          DiffInput(diff=sample_diff.replace("total}", "total}.").encode()))
    page = client.get(second.get_absolute_url()).content.decode()
    assert "changes since your last review (r1)" in page


def test_interdiff_with_unknown_revision_is_404(client, review, member):
    client.force_login(member)
    url = reverse("reviews:interdiff", args=[review.change_set_id]) + "?from=1&to=9"
    assert client.get(url).status_code == 404
