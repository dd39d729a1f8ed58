"""A small REST client for the calls Squiggle makes, with GitHub's limits obeyed.

Waits: `retry-after` (secondary rate limits, 429), `x-ratelimit-reset` when
`x-ratelimit-remaining` is 0 (primary limit, 403/429), exponential backoff with a cap on 5xx and
connection errors. A wait longer than `max_wait_s` raises RateLimited so the Celery task retries
later instead of holding a worker. Lists follow `Link: <...>; rel="next"`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import httpx

from .auth import Credentials
from .errors import GitHubAPIError, NotFound, RateLimited, Unauthorized, Unprocessable

log = logging.getLogger(__name__)

API_VERSION = "2022-11-28"
JSON = "application/vnd.github+json"
DIFF = "application/vnd.github.diff"
RAW = "application/vnd.github.raw+json"
MAX_ATTEMPTS = 6
BACKOFF_START_S = 1.0
BACKOFF_CAP_S = 30.0
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


class GitHubClient:
    """REST calls for one set of credentials; `sleep` is injectable so waits can be observed."""

    def __init__(self, credentials: Credentials, *, max_wait_s: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep, timeout_s: float = 30.0) -> None:
        self.credentials = credentials
        self.max_wait_s = max_wait_s
        self.sleep = sleep
        self._http = httpx.Client(base_url=credentials.api_url, timeout=timeout_s,
                                  headers={"User-Agent": "squiggle",
                                           "X-GitHub-Api-Version": API_VERSION})

    def close(self) -> None:
        self._http.close()

    # -- transport --------------------------------------------------------------------------

    def request(self, method: str, path: str, *, json: dict | None = None,
                params: dict | None = None, accept: str = JSON,
                follow_redirects: bool = False) -> httpx.Response:
        """One call, repeated through rate limits, server errors and one token refresh."""
        refreshed = False
        backoff = BACKOFF_START_S
        for attempt in range(1, MAX_ATTEMPTS + 1):
            headers = {"Accept": accept, "Authorization": self.credentials.authorization()}
            try:
                response = self._http.request(method, path, json=json, params=params,
                                              headers=headers, follow_redirects=follow_redirects)
            except httpx.TransportError as exc:
                if attempt == MAX_ATTEMPTS:
                    raise GitHubAPIError(0, f"connection failed: {exc}", method, path) from exc
                backoff = self._back_off(backoff, f"{method} {path}: {exc}")
                continue
            status = response.status_code
            if status < 400:
                return response
            if status == 401 and not refreshed and self.credentials.refused():
                refreshed = True
                continue
            wait = self._rate_limit_wait(response)
            if wait is not None:
                if wait > self.max_wait_s or attempt == MAX_ATTEMPTS:
                    raise RateLimited(status, _message(response), method, path, wait)
                log.warning("GitHub rate limit on %s %s: waiting %.1f s", method, path, wait)
                self.sleep(wait)
                continue
            if status >= 500 and attempt < MAX_ATTEMPTS:
                backoff = self._back_off(backoff, f"{method} {path} answered {status}")
                continue
            raise _error(status, _message(response), method, path)
        raise AssertionError("unreachable: the loop returns or raises")

    def _back_off(self, backoff: float, why: str) -> float:
        wait = min(backoff, BACKOFF_CAP_S, self.max_wait_s)
        log.warning("%s; retrying in %.1f s", why, wait)
        self.sleep(wait)
        return backoff * 2

    @staticmethod
    def _rate_limit_wait(response: httpx.Response) -> float | None:
        """Seconds to wait before retrying, or None when this is not a rate limit."""
        if response.status_code not in (403, 429):
            return None
        retry_after = response.headers.get("retry-after")
        if retry_after is not None:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                return BACKOFF_CAP_S
        if response.headers.get("x-ratelimit-remaining") == "0":
            reset = response.headers.get("x-ratelimit-reset", "")
            try:
                return max(0.0, float(reset) - time.time()) + 1.0
            except ValueError:
                return BACKOFF_CAP_S
        if response.status_code == 429:
            return BACKOFF_START_S
        return None  # a plain 403: a permission the App lacks

    def paginate(self, path: str, *, params: dict | None = None, key: str | None = None,
                 limit: int | None = None) -> Iterator[dict]:
        """Items of a list endpoint, page after page (`key` for wrapped lists like check runs)."""
        params = {"per_page": 100, **(params or {})}
        url: str | None = path
        seen = 0
        while url:
            response = self.request("GET", url, params=params)
            page = response.json()
            for item in page[key] if key else page:
                yield item
                seen += 1
                if limit is not None and seen >= limit:
                    return
            match = _NEXT_LINK.search(response.headers.get("link", ""))
            url, params = (match.group(1), None) if match else (None, None)

    # -- calls ------------------------------------------------------------------------------

    def pull_request(self, repo: str, number: int) -> dict:
        return self.request("GET", f"/repos/{repo}/pulls/{number}").json()

    def pull_request_diff(self, repo: str, number: int) -> str:
        return self.request("GET", f"/repos/{repo}/pulls/{number}", accept=DIFF).text

    def pull_request_files(self, repo: str, number: int, limit: int) -> list[dict]:
        return list(self.paginate(f"/repos/{repo}/pulls/{number}/files", limit=limit))

    def file_at(self, repo: str, path: str, ref: str) -> bytes | None:
        """A file's bytes at a commit, or None when it does not exist there."""
        try:
            response = self.request("GET", f"/repos/{repo}/contents/{quote(path)}",
                                    params={"ref": ref}, accept=RAW)
        except NotFound:
            return None
        return response.content

    def tarball(self, repo: str, ref: str) -> bytes:
        """The commit's files as GitHub's gzipped tarball (one top folder holding them); GitHub
        answers with a redirect to a short-lived download URL."""
        return self.request("GET", f"/repos/{repo}/tarball/{ref}", accept="*/*",
                            follow_redirects=True).content

    def create_review(self, repo: str, number: int, payload: dict) -> dict:
        return self.request("POST", f"/repos/{repo}/pulls/{number}/reviews", json=payload).json()

    def reviews(self, repo: str, number: int) -> list[dict]:
        return list(self.paginate(f"/repos/{repo}/pulls/{number}/reviews"))

    def delete_pending_review(self, repo: str, number: int, review_id: int) -> None:
        self.request("DELETE", f"/repos/{repo}/pulls/{number}/reviews/{review_id}")

    def create_check_run(self, repo: str, payload: dict) -> dict:
        return self.request("POST", f"/repos/{repo}/check-runs", json=payload).json()

    def update_check_run(self, repo: str, check_run_id: int, payload: dict) -> dict:
        return self.request("PATCH", f"/repos/{repo}/check-runs/{check_run_id}",
                            json=payload).json()

    def check_run(self, repo: str, check_run_id: int) -> dict:
        return self.request("GET", f"/repos/{repo}/check-runs/{check_run_id}").json()

    def check_runs(self, repo: str, ref: str, name: str) -> list[dict]:
        return list(self.paginate(f"/repos/{repo}/commits/{ref}/check-runs",
                                  params={"check_name": name}, key="check_runs"))

    def comment_on_issue(self, repo: str, number: int, body: str) -> dict:
        return self.request("POST", f"/repos/{repo}/issues/{number}/comments",
                            json={"body": body}).json()


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300]
    message = str(data.get("message", "")) if isinstance(data, dict) else ""
    errors = data.get("errors") if isinstance(data, dict) else None
    return (message + (f" {errors}" if errors else ""))[:500]


def _error(status: int, message: str, method: str, path: str) -> GitHubAPIError:
    kind = {401: Unauthorized, 404: NotFound, 422: Unprocessable}.get(status, GitHubAPIError)
    return kind(status, message, method, path)
