"""`/squiggle hunt` on a pull request: the head's files fetched through GitHub's tarball, the hunt
run by a real worker of the `hunts` queue, the ranked patch posted back on the pull request."""

from __future__ import annotations

import io
import tarfile

import pytest

from reviewapp.github.hunts import parse_request, right_side_lines, suggestion
from reviewapp.github.models import PullRequestHunt
from reviewapp.hunts.models import BugHunt, Candidate
from tests.live_squiggle import celery_worker_on_test_database
from tests.reviewapp.hunts.buggy_project import BUGGY_MODULE, TESTS

from .conftest import REPO, deliver, wait_for
from .test_commands import comment

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BASE = {"README.md": "# stats\n", "stats.py": BUGGY_MODULE.replace("last_items", "tail")}
HEAD = {"README.md": "# stats\n", "stats.py": BUGGY_MODULE, "test_stats.py": TESTS}
FIXED_LINE = "+    for i in range(len(items) - n, len(items)):"


@pytest.fixture
def hunt_worker(fake_github, live_server):
    """A worker on the GitHub command queue and the hunt queue, talking to the fake."""
    with celery_worker_on_test_database(
            "celery,hunts", SQUIGGLE_GITHUB_API_URL=fake_github.url,
            SQUIGGLE_PUBLIC_URL=live_server.url, SQUIGGLE_GITHUB_MAX_WAIT_S="5") as process:
        yield process


def test_a_hunt_on_a_pull_request_posts_the_validated_patch(hunt_worker, live_server,
                                                            connected, fake_github):
    pull = fake_github.open_pull_request(REPO, 5, BASE, HEAD)
    response = deliver(live_server.url, "issue_comment", comment(
        5, "/squiggle hunt the last element is never returned `python -m pytest test_stats.py`",
        association="MEMBER"))
    assert response.status_code == 202
    wait_for(lambda: fake_github.submitted_reviews(REPO, 5), timeout=300,
             what="the hunt's result and suggestion on the PR")
    comments = fake_github.issue_comments
    started, result = (c["body"] for c in comments)
    hunt = BugHunt.objects.get()
    assert started.startswith(f"Bug hunt started on `{pull.head_sha[:7]}`")
    assert f"{live_server.url}/hunts/{hunt.pk}/" in started
    assert hunt.state == BugHunt.FIXED and hunt.test_command == "python -m pytest test_stats.py"
    assert hunt.issue_text == "the last element is never returned"
    assert hunt.source == f"pull request #5 at {pull.head_sha[:7]}"
    assert hunt.source_archive is None  # dropped once the hunt finished
    assert result.startswith("**Squiggle bug hunt: fixed**")
    assert f"```diff\n{hunt.best_candidate().diff.rstrip()}\n```" in result
    assert FIXED_LINE in result and "1. " in result
    link = PullRequestHunt.objects.get()
    assert (link.number, link.head_sha, link.requested_by, link.posted) == (
        5, pull.head_sha, "octocat", True)
    # The best patch is also a suggestion on the buggy line, which the pull request changed.
    review, = fake_github.submitted_reviews(REPO, 5)
    inline, = fake_github.comments_of(review)
    assert (inline["path"], inline["line"], review["commit_id"]) == ("stats.py", 4,
                                                                     pull.head_sha)
    assert "```suggestion\n    for i in range(len(items) - n, len(items)):\n```" in inline["body"]
    # The files came from the head commit's tarball, through GitHub's redirect.
    assert [c.status for c in fake_github.calls_to("GET", rf"/tarball/{pull.head_sha}$")] == [302]
    assert len(fake_github.calls_to("GET", r"^/_codeload/")) == 1


def test_the_head_archive_holds_the_heads_files_at_the_root(connected, fake_github):
    from reviewapp.github.pull_requests import ArchiveError, head_archive
    from reviewapp.github.tasks import client_for

    pull = fake_github.open_pull_request(REPO, 6, BASE, HEAD)
    client = client_for(connected)
    data = head_archive(client, REPO, pull.head_sha, max_bytes=1_000_000)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        files = {m.name: tar.extractfile(m).read().decode() for m in tar if m.isfile()}
    assert files == HEAD
    with pytest.raises(ArchiveError, match="over the limit"):
        head_archive(client, REPO, pull.head_sha, max_bytes=100)
    fake_github.fail_next("GET", r"^/_codeload/", 200)  # JSON where the tarball should be
    with pytest.raises(ArchiveError, match="could not be read"):
        head_archive(client, REPO, pull.head_sha, max_bytes=1_000_000)


def test_the_request_names_the_issue_and_optionally_the_test_command():
    assert parse_request("/squiggle hunt total is off by one") == (
        "total is off by one", "python -m pytest")
    assert parse_request("/squiggle Hunt the total `python -m pytest tests/t.py` is off") == (
        "the total is off", "python -m pytest tests/t.py")


PATCH = """diff --git a/stats.py b/stats.py
--- a/stats.py
+++ b/stats.py
@@ -3,4 +3,4 @@
     out = []
-    for i in range(len(items) - n, len(items) - 1):
+    for i in range(len(items) - n, len(items)):
         out.append(items[i])
     return out
"""


def test_a_patch_of_one_run_of_lines_inside_the_diff_becomes_a_suggestion():
    patch = Candidate(path="stats.py", diff=PATCH, description="off by one", tests_passed=3,
                      line=4)
    comment = suggestion(patch, commentable={1, 2, 3, 4, 5})
    assert (comment["path"], comment["line"], comment["side"]) == ("stats.py", 4, "RIGHT")
    assert "start_line" not in comment
    assert comment["body"].endswith(
        "```suggestion\n    for i in range(len(items) - n, len(items)):\n```")
    assert suggestion(patch, commentable={1, 2, 3}) is None  # line 4 is outside the diff
    two_changes = PATCH.replace("     return out\n", "-    return out\n+    return out[:]\n")
    assert suggestion(Candidate(path="stats.py", diff=two_changes), set(range(1, 9))) is None


def test_commentable_lines_are_the_new_side_of_the_hunks():
    assert right_side_lines("@@ -1,3 +1,3 @@\n-def tail(items, n):\n+def last(items, n):\n"
                            "     out = []\n@@ -9 +9,2 @@\n x\n+y\n") == {1, 2, 9, 10}
