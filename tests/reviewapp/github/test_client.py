"""The REST client against the fake GitHub over real HTTP: App auth, tokens, limits, pages."""

from __future__ import annotations

import time

import jwt
import pytest

from reviewapp.github.auth import Credentials, InstallationTokens, app_jwt
from reviewapp.github.client import GitHubClient
from reviewapp.github.errors import NotFound, RateLimited

from .conftest import APP_ID, INSTALLATION_ID, REPO


def make_client(fake, app_key, *, tokens, max_wait_s=5.0):
    """A client with its own token cache; `waits` records each wait it asked for."""
    waits = []
    credentials = Credentials(api_url=fake.url, app_id=str(APP_ID),
                              private_key_pem=app_key["private"],
                              installation_id=INSTALLATION_ID, tokens=tokens)
    client = GitHubClient(credentials, max_wait_s=max_wait_s,
                          sleep=lambda s: (waits.append(s), time.sleep(min(s, 1.5))))
    return client, waits


@pytest.fixture
def pull(fake_github):
    base = {"README.md": "hello\n"}
    head = {"README.md": "hello\n", **{f"pkg/m{i:03d}.py": f"X = {i}\n" for i in range(7)}}
    return fake_github.open_pull_request(REPO, 1, base, head)


def test_app_jwt_is_rs256_backdated_and_short_lived(app_key):
    now = 1_700_000_000
    claims = jwt.decode(app_jwt(APP_ID, app_key["private"], now=now), app_key["public"],
                        algorithms=["RS256"], options={"verify_exp": False})
    assert claims["iss"] == str(APP_ID)
    assert claims["iat"] == now - 60
    assert 0 < claims["exp"] - now <= 600


def test_installation_token_is_cached_then_refreshed_before_expiry(fake_github, app_key, pull):
    fake_github.token_lifetime_s = 3
    tokens = InstallationTokens(refresh_margin_s=1.5)
    client, _ = make_client(fake_github, app_key, tokens=tokens)
    client.pull_request(REPO, 1)
    client.pull_request(REPO, 1)
    assert fake_github.issued == 1  # cached
    time.sleep(1.7)  # now within the refresh margin, not yet expired
    client.pull_request(REPO, 1)
    assert fake_github.issued == 2
    tokens_used = {c.authorization for c in fake_github.calls_to("GET", r"/pulls/1$")}
    assert tokens_used == {"token ghs_fake0001", "token ghs_fake0002"}
    exchange = fake_github.calls_to("POST", r"/app/installations/777/access_tokens")
    assert all(c.authorization.startswith("Bearer ") for c in exchange)


def test_a_revoked_token_is_replaced_once_and_the_call_succeeds(fake_github, app_key, pull):
    client, _ = make_client(fake_github, app_key, tokens=InstallationTokens())
    client.pull_request(REPO, 1)
    fake_github.revoke_tokens()
    assert client.pull_request(REPO, 1)["number"] == 1
    statuses = [c.status for c in fake_github.calls_to("GET", r"/pulls/1$")]
    assert statuses == [200, 401, 200]


def test_429_waits_for_retry_after_then_succeeds(fake_github, app_key, pull):
    client, waits = make_client(fake_github, app_key, tokens=InstallationTokens())
    fake_github.fail_next("GET", r"/pulls/1$", 429, headers={"retry-after": "1"})
    assert client.pull_request(REPO, 1)["number"] == 1
    assert waits == [1.0]
    assert [c.status for c in fake_github.calls_to("GET", r"/pulls/1$")] == [429, 200]


def test_403_with_exhausted_rate_limit_waits_until_reset(fake_github, app_key, pull):
    client, waits = make_client(fake_github, app_key, tokens=InstallationTokens())
    reset = int(time.time()) + 1
    fake_github.fail_next("GET", r"/pulls/1$", 403, headers={
        "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})
    assert client.pull_request(REPO, 1)["number"] == 1
    assert len(waits) == 1 and 0 < waits[0] <= 2.5


def test_a_wait_past_the_cap_is_raised_for_a_later_retry(fake_github, app_key, pull):
    client, waits = make_client(fake_github, app_key, tokens=InstallationTokens(), max_wait_s=5)
    fake_github.fail_next("GET", r"/pulls/1$", 429, headers={"retry-after": "600"})
    with pytest.raises(RateLimited) as caught:
        client.pull_request(REPO, 1)
    assert caught.value.wait_s == 600 and waits == []


def test_server_errors_back_off_exponentially(fake_github, app_key, pull):
    client, waits = make_client(fake_github, app_key, tokens=InstallationTokens())
    fake_github.fail_next("GET", r"/pulls/1$", 502, times=2)
    assert client.pull_request(REPO, 1)["number"] == 1
    assert waits == [1.0, 2.0]


def test_pagination_follows_link_headers(fake_github, app_key, pull):
    client, _ = make_client(fake_github, app_key, tokens=InstallationTokens())
    files = list(client.paginate(f"/repos/{REPO}/pulls/1/files", params={"per_page": 3}))
    assert [f["filename"] for f in files] == sorted(f"pkg/m{i:03d}.py" for i in range(7))
    pages = fake_github.calls_to("GET", r"/pulls/1/files$")
    assert len(pages) == 3


def test_missing_file_at_a_ref_is_none_and_a_missing_pr_raises(fake_github, app_key, pull):
    client, _ = make_client(fake_github, app_key, tokens=InstallationTokens())
    assert client.file_at(REPO, "pkg/m001.py", pull.head_sha) == b"X = 1\n"
    assert client.file_at(REPO, "pkg/m001.py", pull.base_sha) is None
    with pytest.raises(NotFound):
        client.pull_request(REPO, 99)


def test_credentials_never_show_a_token_or_key_in_a_repr(app_key):
    """Credentials travel through task arguments and tracebacks: their repr hides secrets."""
    token_mode = Credentials(api_url="http://127.0.0.1:9", token="ghp_secret-token")
    app_mode = Credentials(api_url="http://127.0.0.1:9", app_id=str(APP_ID),
                           private_key_pem=app_key["private"], installation_id=INSTALLATION_ID)
    assert "ghp_secret-token" not in repr(token_mode) and "***" in repr(token_mode)
    assert "PRIVATE KEY" not in repr(app_mode)
