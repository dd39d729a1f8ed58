"""Per-user viewed marks persist and survive a new revision only where the file did not change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviewapp.reviews.services import DiffInput, add_revision, viewed_paths

pytestmark = pytest.mark.django_db


def mark(client, revision, path: str, viewed: bool = True):
    file = revision.files.get(path=path)
    url = reverse("reviews:viewed", args=[revision.change_set_id, revision.number, file.pk])
    return client.post(url, data={"viewed": viewed}, content_type="application/json")


def test_viewed_mark_is_kept(client, review, member):
    client.force_login(member)
    assert mark(client, review, "pkg/models.py").status_code == 200
    assert viewed_paths(member, review) == {"pkg/models.py"}
    mark(client, review, "pkg/models.py", viewed=False)
    assert viewed_paths(member, review) == set()


def test_marks_survive_new_revision_for_unchanged_files_only(client, review, member, sample_diff):
    client.force_login(member)
    mark(client, review, "pkg/models.py")
    mark(client, review, "pkg/views.py")
    changed = sample_diff.replace('return f"{order.items} {total}"', 'return f"{total}"')
    second = add_revision(review.change_set, DiffInput(diff=changed.encode()))
    assert second.number == 2
    assert viewed_paths(member, second) == {"pkg/models.py"}


def test_marks_are_per_user(client, review, member, django_user_model):
    other = django_user_model.objects.create_user("bob", password="bob-password-1")
    review.change_set.repository.members.add(other)
    client.force_login(member)
    mark(client, review, "pkg/models.py")
    assert viewed_paths(other, review) == set()


def test_bad_viewed_body_is_400(client, review, member):
    client.force_login(member)
    file = review.files.first()
    url = reverse("reviews:viewed", args=[review.change_set_id, 1, file.pk])
    response = client.post(url, data="not json", content_type="application/json")
    assert response.status_code == 400
