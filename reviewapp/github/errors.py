"""What can go wrong talking to GitHub.

    GitHubError
    ├── GitHubNotConfigured   no credentials for the repository (nothing to call GitHub with)
    └── GitHubAPIError        an HTTP answer we cannot use (status, message)
        ├── Unauthorized      401: bad credentials (a stale token is refreshed once first)
        ├── NotFound          404: no such repository, PR, file or ref
        ├── Unprocessable     422: GitHub refused the request's content (e.g. a comment line)
        └── RateLimited       403/429 with a wait longer than we block for (retry later)
"""

from __future__ import annotations


class GitHubError(Exception):
    """Base of every GitHub integration error."""


class GitHubNotConfigured(GitHubError):
    pass


class GitHubAPIError(GitHubError):
    def __init__(self, status: int, message: str, method: str = "", path: str = "") -> None:
        super().__init__(f"GitHub answered {status} to {method} {path}: {message}")
        self.status, self.message = status, message


class Unauthorized(GitHubAPIError):
    pass


class NotFound(GitHubAPIError):
    pass


class Unprocessable(GitHubAPIError):
    pass


class RateLimited(GitHubAPIError):
    def __init__(self, status: int, message: str, method: str, path: str, wait_s: float) -> None:
        super().__init__(status, message, method, path)
        self.wait_s = wait_s
