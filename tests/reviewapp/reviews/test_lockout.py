"""Password guessing is locked out by django-axes: per username and address, for a cool-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

pytestmark = pytest.mark.django_db

RIGHT = "alice-password-1"


def _sign_in(client, password: str, username: str = "alice", address: str = "127.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=address)


def _guess(client, times: int, **who) -> list[int]:
    return [_sign_in(client, f"guess-{i}", **who).status_code for i in range(times)]


def test_wrong_passwords_end_in_a_lockout_page_not_an_error(client, member):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = _guess(client, limit + 3)
    # The form again with an error until the limit; from the limit on, the lockout page.
    assert statuses[:limit - 1] == [200] * (limit - 1)
    assert set(statuses[limit - 1:]) == {429}
    locked = _sign_in(client, RIGHT)
    page = locked.content.decode()
    assert locked.status_code == 429 and 'id="locked-out"' in page
    assert "Too many failed sign-ins" in page and 'name="password"' in page
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert "_auth_user_id" not in client.session  # the right password did not sign in


def test_the_right_password_signs_in_after_the_cool_off(client, member):
    _guess(client, settings.AXES_FAILURE_LIMIT)
    assert _sign_in(client, RIGHT).status_code == 429
    # The cool-off passes: every recorded failure is now older than it.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    answer = _sign_in(client, RIGHT)
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert client.session["_auth_user_id"] == str(member.pk)


def test_a_correct_password_before_the_limit_signs_in_and_resets_the_count(client, member):
    _guess(client, settings.AXES_FAILURE_LIMIT - 1)
    assert _sign_in(client, RIGHT).status_code == 302
    client.logout()
    # Counted from zero again: as many failures as before are still under the limit.
    assert _guess(client, settings.AXES_FAILURE_LIMIT - 1)[-1] == 200
    assert _sign_in(client, RIGHT).status_code == 302


def test_the_lockout_holds_one_username_from_one_address(client, member, django_user_model):
    django_user_model.objects.create_user("bob", password="bob-password-1")
    _guess(client, settings.AXES_FAILURE_LIMIT)
    assert _sign_in(client, "bob-password-1", username="bob").status_code == 302
    client.logout()
    assert _sign_in(client, RIGHT, address="10.1.2.3").status_code == 302


def test_the_admin_sign_in_is_locked_out_too(client, member):
    """Guessing at /admin/login/ counts as well, and locks the site's sign-in with it."""
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [client.post("/admin/login/", {"username": "alice", "password": f"guess-{i}"})
                .status_code for i in range(limit + 1)]
    assert statuses[:limit - 1] == [200] * (limit - 1)
    assert set(statuses[limit - 1:]) == {429}
    assert _sign_in(client, RIGHT).status_code == 429
