"""Fetch a pull request into a ParsedDiff: the `.diff` media type, or for PRs GitHub will not
diff (or past our limits) the paginated files list, plus file contents at base and head.

Nothing is truncated silently: every file left out is returned with the reason.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass, field

from reviewapp.ingest.errors import IngestError
from reviewapp.ingest.limits import IngestLimits
from reviewapp.ingest.parsed import ADDED, DELETED, RENAMED, ParsedDiff
from reviewapp.ingest.parser import parse_diff
from reviewapp.repo_config import CONFIG_FILE, RepoConfig, load_config

from .client import GitHubClient
from .errors import GitHubAPIError


@dataclass
class FetchLimits:
    max_diff_bytes: int
    max_files: int
    max_content_bytes: int
    ingest: IngestLimits


@dataclass
class FetchedPullRequest:
    parsed: ParsedDiff
    left_out: list[dict] = field(default_factory=list)  # {"path": ..., "reason": ...}


def load_repo_config(client: GitHubClient, repo: str, base_sha: str) -> RepoConfig:
    """`.squiggle.toml` and `.gitattributes` at the base commit: a PR cannot loosen its review."""
    texts = []
    for name in (CONFIG_FILE, ".gitattributes"):
        data = client.file_at(repo, name, base_sha)
        texts.append(None if data is None else data.decode("utf-8", errors="replace"))
    return load_config(*texts)


def fetch_pull_request(client: GitHubClient, repo: str, number: int, base_sha: str,
                       head_sha: str, limits: FetchLimits) -> FetchedPullRequest:
    """The PR's changes with contents; large PRs through the files list, left-outs named."""
    fetched = _whole_diff(client, repo, number, limits)
    if fetched is None:
        fetched = _diff_from_files(client, repo, number, limits)
    fetched.parsed.base_sha, fetched.parsed.head_sha = base_sha, head_sha
    _load_contents(client, repo, fetched, base_sha, head_sha, limits)
    return fetched


def _whole_diff(client: GitHubClient, repo: str, number: int,
                limits: FetchLimits) -> FetchedPullRequest | None:
    """The `.diff` in one piece, or None when it is too large for GitHub or for us."""
    try:
        text = client.pull_request_diff(repo, number)
    except GitHubAPIError as exc:
        if exc.status == 406:  # "the diff exceeded the maximum number of files/lines"
            return None
        raise
    if len(text.encode()) > limits.max_diff_bytes:
        return None
    try:
        parsed = parse_diff(text, limits=limits.ingest)
    except IngestError:
        return None  # past the ingest limits: the files list lets us keep what fits
    if len(parsed.files) > limits.max_files:
        return None
    return FetchedPullRequest(parsed)


def _diff_from_files(client: GitHubClient, repo: str, number: int,
                     limits: FetchLimits) -> FetchedPullRequest:
    """A diff rebuilt from the files list's per-file patches, within the limits."""
    # GitHub lists at most 3000 files; one more page tells us whether we stopped early.
    files = client.pull_request_files(repo, number, limit=3000)
    parts, left_out, size, lines = [], [], 0, 0
    for item in files:
        path = item["filename"]
        patch = item.get("patch")
        if len(parts) >= limits.max_files:
            left_out.append({"path": path, "reason": f"past the {limits.max_files}-file limit"})
            continue
        if patch is None and item.get("changes", 0) > 0:
            left_out.append({"path": path,
                             "reason": "GitHub sends no patch for it (binary or too large)"})
            continue
        part = _file_diff(item, patch or "")
        patch_lines = part.count("\n")
        if (size + len(part.encode()) > limits.ingest.max_bytes
                or lines + patch_lines > limits.ingest.max_lines):
            left_out.append({"path": path, "reason": "past the diff size limit"})
            continue
        parts.append(part)
        size += len(part.encode())
        lines += patch_lines
    if len(files) >= 3000:
        left_out.append({"path": "(more files)",
                         "reason": "GitHub lists at most 3000 files of a pull request"})
    parsed = parse_diff("".join(parts), limits=limits.ingest) if parts else ParsedDiff()
    return FetchedPullRequest(parsed, left_out)


def _file_diff(item: dict, patch: str) -> str:
    """One file's git-style diff from a files-list entry."""
    path = item["filename"]
    old = item.get("previous_filename") or path
    status = {"removed": DELETED, "added": ADDED, "renamed": RENAMED}.get(item["status"])
    head = [f"diff --git a/{old} b/{path}"]
    if status == ADDED:
        head += ["new file mode 100644", "--- /dev/null", f"+++ b/{path}"]
    elif status == DELETED:
        head += ["deleted file mode 100644", f"--- a/{old}", "+++ /dev/null"]
    else:
        if status == RENAMED:
            head += [f"rename from {old}", f"rename to {path}"]
        if patch:
            head += [f"--- a/{old}", f"+++ b/{path}"]
    body = patch if patch.endswith("\n") or not patch else patch + "\n"
    return "\n".join(head) + "\n" + body


def _load_contents(client: GitHubClient, repo: str, fetched: FetchedPullRequest,
                   base_sha: str, head_sha: str, limits: FetchLimits) -> None:
    """Full texts at base and head, for ordering, context and the bug model."""
    for pf in fetched.parsed.files:
        if pf.is_binary:
            continue
        if pf.status != DELETED:
            pf.new_content = _text(client.file_at(repo, pf.path, head_sha), limits)
        if pf.status != ADDED:
            pf.old_content = _text(client.file_at(repo, pf.old_path, base_sha), limits)


def _text(data: bytes | None, limits: FetchLimits) -> str | None:
    if data is None or len(data) > limits.max_content_bytes:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


class ArchiveError(ValueError):
    """A head whose files cannot be handed to a hunt: too large, or not a readable tarball."""


def head_archive(client: GitHubClient, repo: str, sha: str, max_bytes: int) -> bytes:
    """The commit's files as a gzipped tar rooted at the repository (what a bug hunt unpacks):
    GitHub's tarball without its top folder, regular files and folders only."""
    data = client.tarball(repo, sha)
    if len(data) > max_bytes:
        raise ArchiveError(f"the files at {sha[:7]} are {len(data)} bytes compressed, over "
                              f"the limit of {max_bytes}")
    out = io.BytesIO()
    unpacked = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as source, \
                tarfile.open(fileobj=out, mode="w:gz") as target:
            for member in source:
                _, _, name = member.name.partition("/")
                if not name or not (member.isfile() or member.isdir()):
                    continue  # the top folder itself, links, devices
                unpacked += member.size
                if unpacked > max_bytes:  # a small archive of huge files
                    raise ArchiveError(f"the files at {sha[:7]} are over {max_bytes} bytes")
                member.name = name
                target.addfile(member, source.extractfile(member) if member.isfile() else None)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveError(f"GitHub's tarball of {sha[:7]} could not be read: {exc}") from None
    return out.getvalue()
