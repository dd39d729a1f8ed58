"""GitHub credentials: App JWTs (RS256), installation tokens cached until near expiry, or a
personal token.

A GitHub App signs a short JWT with its private key (`iat` 60 s in the past against clock drift,
`exp` at most 10 minutes ahead) and exchanges it at
`POST /app/installations/{id}/access_tokens` for an installation token valid about an hour.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import jwt

from .errors import GitHubAPIError, GitHubNotConfigured

JWT_BACKDATE_S = 60
JWT_LIFETIME_S = 540  # GitHub refuses exp more than 10 minutes after iat
REFRESH_MARGIN_S = 300  # a token this close to expiry is replaced before use


def app_jwt(app_id: int | str, private_key_pem: str, now: float | None = None) -> str:
    """A JWT that authenticates as the App itself."""
    now = int(time.time() if now is None else now)
    claims = {"iat": now - JWT_BACKDATE_S, "exp": now + JWT_LIFETIME_S, "iss": str(app_id)}
    return jwt.encode(claims, private_key_pem, algorithm="RS256")


@dataclass
class CachedToken:
    token: str
    expires_at: float  # epoch seconds


class InstallationTokens:
    """Installation tokens per (API, app, installation), shared by a process's threads."""

    def __init__(self, refresh_margin_s: float = REFRESH_MARGIN_S) -> None:
        self.refresh_margin_s = refresh_margin_s
        self._tokens: dict[tuple[str, str, int], CachedToken] = {}
        self._lock = threading.Lock()

    def get(self, api_url: str, app_id: int | str, private_key_pem: str,
            installation_id: int) -> str:
        key = (api_url, str(app_id), installation_id)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached.expires_at - time.time() > self.refresh_margin_s:
                return cached.token
            cached = self._issue(api_url, app_id, private_key_pem, installation_id)
            self._tokens[key] = cached
            return cached.token

    def forget(self, api_url: str, app_id: int | str, installation_id: int) -> None:
        """Drop a token GitHub refused (revoked, or the clock was wrong)."""
        with self._lock:
            self._tokens.pop((api_url, str(app_id), installation_id), None)

    @staticmethod
    def _issue(api_url: str, app_id: int | str, private_key_pem: str,
               installation_id: int) -> CachedToken:
        path = f"/app/installations/{installation_id}/access_tokens"
        response = httpx.post(
            api_url + path, timeout=30,
            headers={"Authorization": f"Bearer {app_jwt(app_id, private_key_pem)}",
                     "Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": "2022-11-28"},
        )
        if response.status_code != 201:
            raise GitHubAPIError(response.status_code, _message(response), "POST", path)
        data = response.json()
        expires = datetime.fromisoformat(data["expires_at"].replace("Z", "+00:00"))
        return CachedToken(data["token"], expires.timestamp())


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", ""))[:300]
    except ValueError:
        return response.text[:300]


# One cache per process: workers reuse a token across tasks until it nears expiry.
TOKENS = InstallationTokens()


@dataclass
class Credentials:
    """What a request is authorised with: an installation of an App, or a personal token."""

    api_url: str
    app_id: str = ""
    private_key_pem: str = ""
    installation_id: int | None = None
    token: str = ""
    tokens: InstallationTokens = field(default=TOKENS, repr=False)  # the cache to use

    def __post_init__(self) -> None:
        if not self.token and not (self.app_id and self.private_key_pem and
                                   self.installation_id):
            raise GitHubNotConfigured(
                "no GitHub credentials: connect the repository with an App (app id, "
                "installation id, private key) or a personal token")

    @property
    def is_app(self) -> bool:
        return not self.token

    def authorization(self) -> str:
        if self.token:
            return f"token {self.token}"
        return "token " + self.tokens.get(self.api_url, self.app_id, self.private_key_pem,
                                          self.installation_id)

    def refused(self) -> bool:
        """Forget a refused installation token; True when a retry may succeed."""
        if self.token:
            return False
        self.tokens.forget(self.api_url, self.app_id, self.installation_id)
        return True

    def __repr__(self) -> str:  # never show a secret in logs or tracebacks
        return (f"Credentials(api_url={self.api_url!r}, app_id={self.app_id!r}, "
                f"installation_id={self.installation_id!r}, token={'***' if self.token else ''})")
