"""`/squiggle hunt` on a pull request: the head's files into a hunt, its result back as a comment.

    /squiggle hunt the last element is never returned `python -m pytest tests/test_stats.py`

The text is the issue; the first `backticked` span, when there is one, is the test command
(default `python -m pytest`). The head's files come from GitHub's tarball of the head commit
(the App's installation token, no git needed) and travel with the hunt, so any worker of the
`hunts` queue can run it. Only the repository's owners, members and collaborators may start a
hunt: it runs the pull request's code (in the sandbox) and spends compute.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.db import transaction

from reviewapp.hunts.models import BugHunt, Candidate
from reviewapp.hunts.services import HuntRefused, start_hunt
from reviewapp.reviews.models import Repository

from .client import GitHubClient
from .errors import Unprocessable
from .models import PullRequestHunt
from .pull_requests import ArchiveError, head_archive

DEFAULT_TEST_COMMAND = "python -m pytest"
TRUSTED_ASSOCIATIONS = {"OWNER", "MEMBER", "COLLABORATOR"}
NOT_ALLOWED = ("Bug hunts run this pull request's tests on Squiggle's machines, so only the "
               "repository's owners, members and collaborators can start one.")
_COMMAND = re.compile(r"^/squiggle\s+hunt\b", re.IGNORECASE)
_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_TEST = re.compile(r"`([^`\n]+)`")
PATCHES_SHOWN = 3
log = logging.getLogger(__name__)


def parse_request(body: str) -> tuple[str, str]:
    """(issue text, test command) of a `/squiggle hunt ...` comment."""
    text = _COMMAND.sub("", body.strip(), count=1).strip()
    match = _TEST.search(text)
    if match is None:
        return text, DEFAULT_TEST_COMMAND
    issue = (text[:match.start()] + text[match.end():]).strip()
    return " ".join(issue.split()), match.group(1).strip()


def hunt_url(hunt: BugHunt) -> str:
    return settings.SQUIGGLE["PUBLIC_URL"].rstrip("/") + hunt.get_absolute_url()


def start_pull_request_hunt(client: GitHubClient, repository: Repository, number: int,
                            body: str, association: str, login: str) -> str:
    """Start a hunt on the pull request's head and reply (posted here, before the hunt can
    finish and post its result); the reply's text."""
    repo = repository.full_name
    if association.upper() not in TRUSTED_ASSOCIATIONS:
        reply = NOT_ALLOWED
        client.comment_on_issue(repo, number, reply)
        return reply
    issue, test = parse_request(body)
    head = client.pull_request(repo, number)["head"]["sha"]
    conf = settings.SQUIGGLE_GITHUB
    try:
        archive = head_archive(client, repo, head, conf["MAX_HUNT_ARCHIVE_BYTES"])
        with transaction.atomic():  # the hunt is queued when this commits, after the reply
            hunt = start_hunt(repository, None, issue, test, budget_s=conf["HUNT_BUDGET_S"],
                              source_archive=archive,
                              source=f"pull request #{number} at {head[:7]}")
            PullRequestHunt.objects.create(hunt=hunt, repository=repository, number=number,
                                           head_sha=head, requested_by=login[:100])
            reply = (f"Bug hunt started on `{head[:7]}` with `{test}` "
                     f"({conf['HUNT_BUDGET_S']} s budget): {hunt_url(hunt)}\n"
                     "The validated patches will be posted here when it finishes.")
            client.comment_on_issue(repo, number, reply)
    except (HuntRefused, ArchiveError) as exc:
        reply = f"The bug hunt could not start: {exc}"
        client.comment_on_issue(repo, number, reply)
    return reply


def result_comment(hunt: BugHunt) -> str:
    """The hunt's outcome for the pull request: the ranked validated patches as diffs, or what
    the hunt found instead (why it stopped, the most suspicious lines)."""
    head = (f"**Squiggle bug hunt: {hunt.get_state_display().lower()}**"
            f" ({hunt.wall_s:.0f} s, {hunt.cpu_s:.0f} CPU-s, {hunt.candidates_tried} "
            f"candidates tried). {hunt.message}".rstrip())
    parts = [head]
    patches = list(hunt.candidates.filter(status=Candidate.VALIDATED, rank__isnull=False)
                   .order_by("rank")[:PATCHES_SHOWN])
    for patch in patches:
        parts.append(f"{patch.rank}. {patch.description} at `{patch.path}:{patch.line}`: "
                     f"{patch.tests_passed} tests pass, none fails\n```diff\n"
                     f"{patch.diff.rstrip()}\n```")
    if not patches:
        suspicious = (hunt.result or {}).get("suspicious", [])[:5]
        if suspicious:
            parts.append("Most suspicious lines:\n" + "\n".join(
                f"- `{s['path']}:{s['line']}` `{s['text']}` ({s['score']:.2f})"
                for s in suspicious))
    parts.append(f"[The whole hunt on Squiggle]({hunt_url(hunt)})")
    return "\n\n".join(parts)


def right_side_lines(patch: str) -> set[int]:
    """New-side line numbers inside a file's diff hunks (GitHub's `patch` field): where a review
    comment may go."""
    lines: set[int] = set()
    number = 0
    for text in patch.splitlines():
        if match := _HUNK.match(text):
            number = int(match.group(2))
        elif text.startswith(("+", " ")):
            lines.add(number)
            number += 1
    return lines


def suggestion(patch: Candidate, commentable: set[int]) -> dict | None:
    """The patch as a review comment holding a ```suggestion block, when it replaces one run of
    the head's lines that GitHub lets us comment on; None otherwise (an insertion, changes
    apart from each other, lines outside the pull request's diff)."""
    removed: list[int] = []
    added: list[str] = []
    old, closed = 0, False  # closed: context came after the change
    for text in patch.diff.splitlines():
        if text.startswith(("---", "+++", "diff ")):
            continue
        if match := _HUNK.match(text):
            old, closed = int(match.group(1)), bool(removed or added)
        elif text.startswith(("-", "+")):
            if closed:
                return None  # a second change further on
            if text.startswith("-"):
                removed.append(old)
                old += 1
            else:
                added.append(text[1:])
        else:
            closed = bool(removed or added)
            old += 1
    if not removed or removed != list(range(removed[0], removed[-1] + 1)) \
            or not set(removed) <= commentable:
        return None
    comment = {"path": patch.path, "line": removed[-1], "side": "RIGHT",
               "body": f"Squiggle's bug hunt: {patch.description} ({patch.tests_passed} tests "
                       f"pass, none fails)\n```suggestion\n" + "\n".join(added) + "\n```"}
    if len(removed) > 1:
        comment.update(start_line=removed[0], start_side="RIGHT")
    return comment


def suggest_best_patch(client: GitHubClient, link: PullRequestHunt) -> bool:
    """Post the best patch as a one-click suggestion on the pull request's diff, when it fits
    one (see `suggestion`); whether one was posted."""
    best = link.hunt.best_candidate()
    if best is None:
        return False
    repo = link.repository.full_name
    files = client.pull_request_files(repo, link.number, settings.SQUIGGLE_GITHUB["MAX_FILES"])
    patch = next((f.get("patch", "") for f in files if f.get("filename") == best.path), "")
    comment = suggestion(best, right_side_lines(patch))
    if comment is None:
        return False
    try:
        client.create_review(repo, link.number, {
            "commit_id": link.head_sha, "event": "COMMENT", "comments": [comment],
            "body": f"The best patch of [Squiggle's bug hunt]({hunt_url(link.hunt)})."})
    except Unprocessable:  # the head moved on or the lines left the diff: the comment stands
        log.warning("%s: the suggestion was refused", link, exc_info=True)
        return False
    return True
