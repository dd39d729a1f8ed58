"""A fake GitHub REST API: a real threaded HTTP server on 127.0.0.1 that records every call.

It answers the endpoints Squiggle uses the way api.github.com documents them: App JWTs checked
(RS256, iss, iat/exp window) and exchanged for installation tokens that expire; `Bearer`/`token`
auth on every repository call (401 "Bad credentials" otherwise); pull requests as JSON or as
`application/vnd.github.diff` (406 past `max_diff_files`, like GitHub's "diff too large");
paginated lists with `Link: <...>; rel="next"`; contents at a ref (raw or base64 JSON);
reviews whose inline comments must sit on a diff line (422 otherwise), pending reviews (one per
pull request) and their deletion; check runs with at most 50 annotations per request; issue
comments; a commit's files as a tarball (a redirect to a "codeload" URL holding a short-lived
token, like GitHub's). `fail_next` injects faults (429 + retry-after, 403 +
x-ratelimit-reset, 5xx, 422).
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import io
import json
import re
import tarfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

import jwt


@dataclass
class Call:
    method: str
    path: str
    query: dict
    body: object
    status: int
    authorization: str
    accept: str
    at: float


@dataclass
class Fault:
    method: str
    pattern: re.Pattern
    status: int
    headers: dict
    body: dict
    times: int
    when: object  # callable(body) -> bool, or None


@dataclass
class PullRequest:
    repo: str
    number: int
    title: str
    base_sha: str
    head_sha: str
    draft: bool = False
    state: str = "open"
    heads: list[str] = field(default_factory=list)  # every head pushed, oldest first


def _sha(files: dict[str, str], salt: str) -> str:
    digest = hashlib.sha1(salt.encode())
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].encode() + b"\0")
    return digest.hexdigest()


def file_diff(path: str, old: str | None, new: str | None) -> tuple[str, str]:
    """(git header lines, hunks) for one file, like `git diff` with 3 lines of context."""
    a_lines = (old or "").splitlines(keepends=True)
    b_lines = (new or "").splitlines(keepends=True)
    hunks = list(difflib.unified_diff(a_lines, b_lines, n=3))[2:]  # drop ---/+++ lines
    head = [f"diff --git a/{path} b/{path}"]
    if old is None:
        head += ["new file mode 100644", "--- /dev/null", f"+++ b/{path}"]
    elif new is None:
        head += ["deleted file mode 100644", f"--- a/{path}", "+++ /dev/null"]
    else:
        head += [f"--- a/{path}", f"+++ b/{path}"]
    return "\n".join(head) + "\n", "".join(line if line.endswith("\n") else line + "\n"
                                           for line in hunks)


def commentable(hunks: str) -> set[int]:
    """New-side lines inside the hunks (added or context): where review comments may go."""
    lines, new_no = set(), 0
    for line in hunks.splitlines():
        match = re.match(r"@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@", line)
        if match:
            new_no = int(match.group(1))
        elif line.startswith("+") or line.startswith(" "):
            lines.add(new_no)
            new_no += 1
    return lines


class FakeGitHub:
    """State and behaviour of the fake; `url` is its API base."""

    def __init__(self, app_id: int, public_key_pem: str, *, token_lifetime_s: float = 3600,
                 max_diff_files: int = 300) -> None:
        self.app_id = app_id
        self.public_key_pem = public_key_pem
        self.token_lifetime_s = token_lifetime_s
        self.max_diff_files = max_diff_files
        self.personal_tokens: set[str] = set()
        self.lock = threading.RLock()
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.commits: dict[str, dict[str, dict[str, str]]] = {}  # repo -> sha -> files
        self.pulls: dict[tuple[str, int], PullRequest] = {}
        self.reviews: list[dict] = []
        self.review_comments: list[dict] = []
        self.check_runs: dict[int, dict] = {}
        self.issue_comments: list[dict] = []
        self.tokens: dict[str, tuple[int, float]] = {}  # token -> (installation, expires)
        self.codeload_tokens: set[str] = set()
        self.issued = 0
        self._ids = 1000
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle and set-up ---------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGitHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """Forget everything but the App's key (between tests sharing one server)."""
        with self.lock:
            for store in (self.calls, self.faults, self.reviews, self.review_comments,
                          self.issue_comments):
                store.clear()
            for mapping in (self.commits, self.pulls, self.check_runs, self.tokens):
                mapping.clear()
            self.personal_tokens.clear()
            self.codeload_tokens.clear()
            self.token_lifetime_s, self.max_diff_files = 3600, 300

    def next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    def add_commit(self, repo: str, files: dict[str, str], salt: str = "") -> str:
        sha = _sha(files, repo + salt)
        with self.lock:
            self.commits.setdefault(repo, {})[sha] = dict(files)
        return sha

    def open_pull_request(self, repo: str, number: int, base: dict[str, str],
                          head: dict[str, str], *, title: str = "A change",
                          draft: bool = False) -> PullRequest:
        base_sha = self.add_commit(repo, base, "base")
        head_sha = self.add_commit(repo, head, f"head{number}")
        pull = PullRequest(repo, number, title, base_sha, head_sha, draft, heads=[head_sha])
        with self.lock:
            self.pulls[(repo, number)] = pull
        return pull

    def push(self, repo: str, number: int, head: dict[str, str]) -> str:
        """A new head for the pull request (what `synchronize` announces)."""
        pull = self.pulls[(repo, number)]
        sha = self.add_commit(repo, head, f"head{number}-{len(pull.heads)}")
        with self.lock:
            pull.head_sha = sha
            pull.heads.append(sha)
        return sha

    def fail_next(self, method: str, path_pattern: str, status: int, *, headers: dict | None
                  = None, body: dict | None = None, times: int = 1, when=None) -> None:
        """The next `times` matching calls answer `status` instead (optionally only when
        `when(request_json)` is true)."""
        with self.lock:
            self.faults.append(Fault(method, re.compile(path_pattern), status, headers or {},
                                     body or {"message": f"injected {status}"}, times, when))

    def revoke_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        regex = re.compile(pattern)
        with self.lock:
            return [c for c in self.calls if c.method == method and regex.search(c.path)]

    def submitted_reviews(self, repo: str, number: int) -> list[dict]:
        with self.lock:
            return [r for r in self.reviews if r["repo"] == repo and r["number"] == number
                    and r["state"] != "PENDING"]

    def comments_of(self, review: dict) -> list[dict]:
        with self.lock:
            return [c for c in self.review_comments if c["pull_request_review_id"] == review["id"]]

    # -- diffs ------------------------------------------------------------------------------

    def diff_parts(self, repo: str, base_sha: str, head_sha: str) -> list[dict]:
        """Per changed file: path, status, header, hunks (sorted by path, like GitHub)."""
        base, head = self.commits[repo][base_sha], self.commits[repo][head_sha]
        parts = []
        for path in sorted(set(base) | set(head)):
            old, new = base.get(path), head.get(path)
            if old == new:
                continue
            header, hunks = file_diff(path, old, new)
            status = "added" if old is None else "removed" if new is None else "modified"
            added = sum(1 for line in hunks.splitlines() if line.startswith("+"))
            removed = sum(1 for line in hunks.splitlines() if line.startswith("-"))
            parts.append({"path": path, "status": status, "header": header, "hunks": hunks,
                          "additions": added, "deletions": removed})
        return parts

    # -- HTTP -------------------------------------------------------------------------------

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                fake._dispatch(self, "GET")

            def do_POST(self) -> None:
                fake._dispatch(self, "POST")

            def do_PATCH(self) -> None:
                fake._dispatch(self, "PATCH")

            def do_DELETE(self) -> None:
                fake._dispatch(self, "DELETE")

        return Handler

    def _dispatch(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urlparse(request.path)
        path, query = parsed.path, {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        length = int(request.headers.get("content-length") or 0)
        raw = request.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        status, headers, payload = self._answer(method, path, query, body, request.headers)
        with self.lock:
            self.calls.append(Call(method, path, query, body, status,
                                   request.headers.get("authorization", ""),
                                   request.headers.get("accept", ""), time.time()))
        data = payload if isinstance(payload, bytes) else (
            payload.encode() if isinstance(payload, str) else json.dumps(payload).encode())
        request.send_response(status)
        content_type = headers.pop("content-type", "application/json; charset=utf-8")
        request.send_header("content-type", content_type)
        request.send_header("content-length", str(len(data)))
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    def _answer(self, method: str, path: str, query: dict, body, headers) -> tuple:
        fault = self._take_fault(method, path, body)
        if fault is not None:
            return fault.status, dict(fault.headers), fault.body
        if method == "GET" and (match := re.fullmatch(r"/_codeload/([^/]+/[^/]+)/(\w+)", path)):
            return self._codeload(match.group(1), match.group(2), query)
        if method == "POST" and (match := re.fullmatch(r"/app/installations/(\d+)/access_tokens",
                                                       path)):
            return self._issue_token(int(match.group(1)), headers.get("authorization", ""))
        if not self._authorised(headers.get("authorization", "")):
            return 401, {}, {"message": "Bad credentials"}
        match = re.fullmatch(r"/repos/([^/]+/[^/]+)(/.*)", path)
        if not match or match.group(1) not in self.commits:
            return 404, {}, {"message": "Not Found"}
        repo, rest = match.group(1), match.group(2)
        for pattern, verb, handler in self._routes():
            found = re.fullmatch(pattern, rest)
            if found and verb == method:
                return handler(repo, *found.groups(), query=query, body=body, headers=headers)
        return 404, {}, {"message": "Not Found"}

    def _routes(self):
        return [
            (r"/pulls/(\d+)", "GET", self._get_pull),
            (r"/pulls/(\d+)/files", "GET", self._list_files),
            (r"/contents/(.+)", "GET", self._get_contents),
            (r"/pulls/(\d+)/reviews", "POST", self._create_review),
            (r"/pulls/(\d+)/reviews", "GET", self._list_reviews),
            (r"/pulls/(\d+)/reviews/(\d+)", "DELETE", self._delete_review),
            (r"/check-runs", "POST", self._create_check_run),
            (r"/check-runs/(\d+)", "PATCH", self._update_check_run),
            (r"/check-runs/(\d+)", "GET", self._get_check_run),
            (r"/commits/([0-9a-f]+)/check-runs", "GET", self._list_check_runs),
            (r"/issues/(\d+)/comments", "POST", self._comment_on_issue),
            (r"/tarball/([0-9a-f]+)", "GET", self._tarball),
        ]

    def _take_fault(self, method: str, path: str, body) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if (fault.method == method and fault.times > 0 and fault.pattern.search(path)
                        and (fault.when is None or fault.when(body))):
                    fault.times -= 1
                    return fault
        return None

    # -- auth -------------------------------------------------------------------------------

    def _issue_token(self, installation_id: int, authorization: str) -> tuple:
        token = authorization.removeprefix("Bearer ").strip()
        try:
            claims = jwt.decode(token, self.public_key_pem, algorithms=["RS256"],
                                options={"require": ["iat", "exp", "iss"]}, leeway=0)
        except jwt.PyJWTError as exc:
            return 401, {}, {"message": f"A JSON web token could not be decoded: {exc}"}
        now = time.time()
        if str(claims["iss"]) != str(self.app_id):
            return 401, {}, {"message": "Integration not found"}
        if claims["iat"] > now or claims["exp"] - claims["iat"] > 600 + 60:
            return 401, {}, {"message": "'Expiration time' claim ('exp') is too far in the "
                                        "future"}
        expires = now + self.token_lifetime_s
        with self.lock:
            self.issued += 1
            value = f"ghs_fake{self.issued:04d}"
            self.tokens[value] = (installation_id, expires)
        stamp = datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return 201, {}, {"token": value, "expires_at": stamp}

    def _authorised(self, authorization: str) -> bool:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return False
        if value in self.personal_tokens:
            return True
        with self.lock:
            entry = self.tokens.get(value)
        return entry is not None and entry[1] > time.time()

    def _is_app(self, headers) -> bool:
        return headers.get("authorization", "").partition(" ")[2] not in self.personal_tokens

    # -- repository endpoints ---------------------------------------------------------------

    def _pull(self, repo: str, number: str) -> PullRequest | None:
        return self.pulls.get((repo, int(number)))

    def _get_pull(self, repo, number, *, query, body, headers) -> tuple:
        pull = self._pull(repo, number)
        if pull is None:
            return 404, {}, {"message": "Not Found"}
        parts = self.diff_parts(repo, pull.base_sha, pull.head_sha)
        if "application/vnd.github.diff" in headers.get("accept", ""):
            if len(parts) > self.max_diff_files:
                return 406, {}, {"message": "Sorry, the diff exceeded the maximum number of "
                                            f"files ({self.max_diff_files}).",
                                 "errors": [{"resource": "PullRequest", "field": "diff",
                                             "code": "too_large"}]}
            text = "".join(p["header"] + p["hunks"] for p in parts)
            return 200, {"content-type": "text/plain; charset=utf-8"}, text
        return 200, {}, {
            "number": pull.number, "title": pull.title, "state": pull.state,
            "draft": pull.draft, "changed_files": len(parts),
            "head": {"sha": pull.head_sha, "ref": f"feature-{pull.number}"},
            "base": {"sha": pull.base_sha, "ref": "main"},
        }

    def _page(self, items: list, query: dict, path: str) -> tuple[list, dict]:
        per_page = max(1, min(100, int(query.get("per_page", 30))))
        page = max(1, int(query.get("page", 1)))
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(items):
            rest = "&".join(f"{k}={v}" for k, v in query.items() if k not in ("page",))
            headers["link"] = (f'<{self.url}{path}?{rest}&page={page + 1}>; rel="next", '
                               f'<{self.url}{path}?{rest}&page='
                               f'{(len(items) + per_page - 1) // per_page}>; rel="last"')
        return chunk, headers

    def _list_files(self, repo, number, *, query, body, headers) -> tuple:
        pull = self._pull(repo, number)
        if pull is None:
            return 404, {}, {"message": "Not Found"}
        items = [{"filename": p["path"], "status": p["status"], "additions": p["additions"],
                  "deletions": p["deletions"], "changes": p["additions"] + p["deletions"],
                  "patch": p["hunks"]}
                 for p in self.diff_parts(repo, pull.base_sha, pull.head_sha)]
        chunk, link = self._page(items, query, f"/repos/{repo}/pulls/{number}/files")
        return 200, link, chunk

    def _get_contents(self, repo, path, *, query, body, headers) -> tuple:
        files = self.commits[repo].get(query.get("ref", ""))
        path = unquote(path)
        if files is None or path not in files:
            return 404, {}, {"message": "Not Found"}
        data = files[path].encode()
        if "application/vnd.github.raw" in headers.get("accept", ""):
            return 200, {"content-type": "application/vnd.github.raw"}, data
        return 200, {}, {"type": "file", "path": path, "encoding": "base64",
                         "content": base64.b64encode(data).decode(), "size": len(data)}

    def _tarball(self, repo, ref, *, query, body, headers) -> tuple:
        """Like GitHub: a redirect to codeload, authorised by a short-lived token in the URL."""
        if ref not in self.commits[repo]:
            return 404, {}, {"message": "Not Found"}
        token = f"cl{self.next_id()}"
        with self.lock:
            self.codeload_tokens.add(token)
        return 302, {"location": f"{self.url}/_codeload/{repo}/{ref}?token={token}"}, b""

    def _codeload(self, repo, ref, query) -> tuple:
        """The commit's files as a gzipped tar under one top folder, `owner-name-sha7/`."""
        with self.lock:
            allowed = query.get("token") in self.codeload_tokens
        files = self.commits.get(repo, {}).get(ref)
        if not allowed or files is None:
            return 404, {"content-type": "text/plain"}, b"Not Found"
        top = f"{repo.replace('/', '-')}-{ref[:7]}"
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for path, text in sorted(files.items()):
                data = text.encode()
                info = tarfile.TarInfo(f"{top}/{path}")
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
        return 200, {"content-type": "application/x-gzip"}, buffer.getvalue()

    def _create_review(self, repo, number, *, query, body, headers) -> tuple:
        pull = self._pull(repo, number)
        body = body or {}
        if pull is None:
            return 404, {}, {"message": "Not Found"}
        commit = body.get("commit_id") or pull.head_sha
        if commit not in pull.heads:
            return 422, {}, {"message": "Unprocessable Entity",
                             "errors": ["commit_id is not part of the pull request"]}
        lines = {p["path"]: commentable(p["hunks"])
                 for p in self.diff_parts(repo, pull.base_sha, commit)}
        for comment in body.get("comments", []):
            allowed = lines.get(comment.get("path"))
            wanted = {comment.get("line"), comment.get("start_line", comment.get("line"))}
            if allowed is None:
                return 422, {}, {"message": "Unprocessable Entity",
                                 "errors": ["Path could not be resolved"]}
            if comment.get("side", "RIGHT") != "RIGHT" or not wanted <= allowed:
                return 422, {}, {"message": "Unprocessable Entity",
                                 "errors": ["Line could not be resolved"]}
        event = body.get("event")
        if event not in (None, "COMMENT", "APPROVE", "REQUEST_CHANGES"):
            return 422, {}, {"message": "Unprocessable Entity", "errors": ["bad event"]}
        with self.lock:
            if event is None and any(r["state"] == "PENDING" and r["repo"] == repo and
                                     r["number"] == pull.number for r in self.reviews):
                return 422, {}, {"message": "Unprocessable Entity", "errors": [
                    "User can only have one pending review per pull request"]}
            review = {"id": self.next_id(), "repo": repo, "number": pull.number,
                      "body": body.get("body", ""), "commit_id": commit,
                      "state": "COMMENTED" if event else "PENDING"}
            self.reviews.append(review)
            for comment in body.get("comments", []):
                self.review_comments.append({**comment, "id": self.next_id(),
                                             "pull_request_review_id": review["id"]})
        return 200, {}, review

    def _list_reviews(self, repo, number, *, query, body, headers) -> tuple:
        with self.lock:
            items = [r for r in self.reviews if r["repo"] == repo and r["number"] == int(number)]
        chunk, link = self._page(items, query, f"/repos/{repo}/pulls/{number}/reviews")
        return 200, link, chunk

    def _delete_review(self, repo, number, review_id, *, query, body, headers) -> tuple:
        with self.lock:
            review = next((r for r in self.reviews if r["id"] == int(review_id)), None)
            if review is None:
                return 404, {}, {"message": "Not Found"}
            if review["state"] != "PENDING":
                return 422, {}, {"message": "Unprocessable Entity",
                                 "errors": ["Can not delete a non-pending pull request review"]}
            self.reviews.remove(review)
            self.review_comments[:] = [c for c in self.review_comments
                                       if c["pull_request_review_id"] != review["id"]]
        return 200, {}, review

    def _annotations_ok(self, body: dict) -> tuple | None:
        annotations = (body.get("output") or {}).get("annotations") or []
        if len(annotations) > 50:
            return 422, {}, {"message": "Unprocessable Entity",
                             "errors": ["Only 50 annotations are allowed per request"]}
        return None

    def _create_check_run(self, repo, *, query, body, headers) -> tuple:
        if not self._is_app(headers):
            return 403, {}, {"message": "Resource not accessible by personal access token"}
        body = body or {}
        if not body.get("name") or not body.get("head_sha"):
            return 422, {}, {"message": "Invalid request", "errors": ["name and head_sha"]}
        refused = self._annotations_ok(body)
        if refused:
            return refused
        run = {"id": self.next_id(), "repo": repo, "name": body["name"],
               "head_sha": body["head_sha"], "status": body.get("status", "queued"),
               "conclusion": body.get("conclusion"), "external_id": body.get("external_id"),
               "details_url": body.get("details_url"), "output": body.get("output") or {},
               "annotations": list((body.get("output") or {}).get("annotations") or [])}
        with self.lock:
            self.check_runs[run["id"]] = run
        return 201, {}, run

    def _update_check_run(self, repo, run_id, *, query, body, headers) -> tuple:
        body = body or {}
        refused = self._annotations_ok(body)
        if refused:
            return refused
        with self.lock:
            run = self.check_runs.get(int(run_id))
            if run is None:
                return 404, {}, {"message": "Not Found"}
            for key in ("status", "conclusion", "details_url", "external_id"):
                if key in body:
                    run[key] = body[key]
            if "output" in body:
                run["annotations"] += list(body["output"].get("annotations") or [])
                run["output"] = {k: v for k, v in body["output"].items() if k != "annotations"}
        return 200, {}, run

    def _get_check_run(self, repo, run_id, *, query, body, headers) -> tuple:
        run = self.check_runs.get(int(run_id))
        return (200, {}, run) if run else (404, {}, {"message": "Not Found"})

    def _list_check_runs(self, repo, ref, *, query, body, headers) -> tuple:
        with self.lock:
            items = [r for r in self.check_runs.values() if r["repo"] == repo
                     and r["head_sha"] == ref
                     and r["name"] == query.get("check_name", r["name"])]
        chunk, link = self._page(items, query, f"/repos/{repo}/commits/{ref}/check-runs")
        return 200, link, {"total_count": len(items), "check_runs": chunk}

    def _comment_on_issue(self, repo, number, *, query, body, headers) -> tuple:
        comment = {"id": self.next_id(), "repo": repo, "number": int(number),
                   "body": (body or {}).get("body", "")}
        with self.lock:
            self.issue_comments.append(comment)
        return 201, {}, comment
