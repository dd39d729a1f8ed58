"""Access control: members see their repositories' reviews; everyone else gets 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def review_urls(review) -> list[tuple[str, str]]:
    """Every URL of a review, with the method that reaches it."""
    cs, number = review.change_set_id, review.number
    file = review.files.first()
    return [
        ("get", reverse("reviews:change_set", args=[cs])),
        ("get", reverse("reviews:revision", args=[cs, number])),
        ("get", reverse("reviews:status", args=[cs, number])),
        ("get", reverse("reviews:interdiff", args=[cs])),
        ("get", reverse("reviews:file", args=[cs, number, file.pk])),
        ("get", reverse("reviews:file_context", args=[cs, number, file.pk]) + "?first=1&last=2"),
        ("post", reverse("reviews:viewed", args=[cs, number, file.pk])),
        ("post", reverse("reviews:add_revision", args=[cs])),
    ]


def test_non_member_gets_404_on_every_review_url(client, review, outsider):
    """A logged-in user outside the repository cannot tell the review exists."""
    client.force_login(outsider)
    for method, url in review_urls(review):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)


def test_member_reaches_every_review_url(client, review, member):
    """The same URLs work for a member (redirects for the change set and bad forms aside)."""
    client.force_login(member)
    for method, url in review_urls(review):
        response = getattr(client, method)(url, follow=True)
        assert response.status_code in (200, 400), (method, url, response.status_code)


def test_anonymous_user_is_sent_to_login(client, review):
    response = client.get(reverse("reviews:revision", args=[review.change_set_id, 1]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_lists_only_member_reviews(client, review, outsider):
    client.force_login(outsider)
    assert "Order totals" not in client.get(reverse("reviews:home")).content.decode()


def test_health_needs_no_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_group_membership_grants_access(client, review, outsider):
    """Membership through a Django group is as good as direct membership."""
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="shop-team")
    outsider.groups.add(group)
    review.change_set.repository.member_groups.add(group)
    client.force_login(outsider)
    assert client.get(review.get_absolute_url()).status_code == 200


def test_admin_lists_reviews_for_a_superuser(client, review, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="root-password-1")
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    page = client.get("/admin/reviews/changeset/")
    assert page.status_code == 200 and "Order totals" in page.content.decode()
    file = review.files.first()
    assert client.get(f"/admin/reviews/filechange/{file.pk}/change/").status_code == 200


def _new_review(client, name: str, sample_diff: str):
    return client.post(reverse("reviews:new"), {
        "title": f"Review in {name}", "new_repository": name, "diff": sample_diff})


def test_naming_someone_elses_repository_tells_nothing(client, repository, outsider,
                                                       sample_diff):
    """A non-member who names an existing repository gets their own, as for any new name."""
    from reviewapp.reviews.models import ChangeSet

    client.force_login(outsider)
    taken, fresh = _new_review(client, "acme/shop", sample_diff), \
        _new_review(client, "acme/unused", sample_diff)
    assert taken.status_code == fresh.status_code == 302
    created = ChangeSet.objects.get(title="Review in acme/shop").repository
    assert created != repository and list(created.members.all()) == [outsider]
    assert not ChangeSet.objects.filter(repository=repository).exists()


def test_naming_your_own_repository_again_asks_to_choose_it(client, repository, member,
                                                            sample_diff):
    client.force_login(member)
    response = _new_review(client, "acme/shop", sample_diff)
    assert response.status_code == 400
    assert "You already have a repository named acme/shop" in response.content.decode()
