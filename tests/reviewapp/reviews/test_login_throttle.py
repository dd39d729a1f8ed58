"""Password guessing is refused after a few failures, the right password included."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from reviewapp.reviews.login_throttle import MAX_PER_USERNAME, LoginAttempts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    """Only this test's counters: the cache may share Redis with other things."""
    keys = [key for name in ("alice", "bob")
            for key, _ in LoginAttempts("127.0.0.1", name).keys()]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def _sign_in(client, password: str, username: str = "alice"):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_twenty_wrong_passwords_end_in_a_lockout(client, member):
    statuses = [_sign_in(client, f"guess-{i}").status_code for i in range(20)]
    assert statuses[:MAX_PER_USERNAME] == [200] * MAX_PER_USERNAME  # the form again, with an error
    assert set(statuses[MAX_PER_USERNAME:]) == {429}
    locked = _sign_in(client, "alice-password-1")
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.content.decode()
    assert locked["Retry-After"]


def test_a_correct_password_before_the_limit_signs_in(client, member):
    for i in range(MAX_PER_USERNAME - 1):
        _sign_in(client, f"guess-{i}")
    assert _sign_in(client, "alice-password-1").status_code == 302


def test_the_lockout_is_per_username_and_address(client, member, django_user_model):
    django_user_model.objects.create_user("bob", password="bob-password-1")
    for i in range(MAX_PER_USERNAME):
        _sign_in(client, f"guess-{i}")
    assert _sign_in(client, "bob-password-1", username="bob").status_code == 302


def test_the_admin_sign_in_shares_the_lockout(client, member):
    """Guessing at /admin/login/ is counted too, and locks the site's sign-in with it."""
    statuses = [client.post("/admin/login/", {"username": "alice", "password": f"guess-{i}"})
                .status_code for i in range(MAX_PER_USERNAME + 2)]
    assert statuses[:MAX_PER_USERNAME] == [200] * MAX_PER_USERNAME
    assert set(statuses[MAX_PER_USERNAME:]) == {429}
    assert _sign_in(client, "alice-password-1").status_code == 429
