"""End to end: signed webhooks to the live app, a real Celery worker (bug model on), PostgreSQL,
Redis, and the fake GitHub over HTTP. Exactly one review and one check run per head."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
import pytest

from reviewapp.github.models import PullRequestAnalysis
from reviewapp.reviews.models import Finding

from .conftest import REPO, deliver, pull_request_payload, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.ml, pytest.mark.django_db(transaction=True)]

BASE = {
    "README.md": "# widgets\n",
    "widgets/__init__.py": "",
    "widgets/sizes.py": "def area(width, height):\n    return width * height\n",
}
STACK = '''class Stack:
    def __init__(self):
        self.items = []

    def push(self, item):
        self.items.append(item)

    def pop(self):
        if self.items:
            return self.items.pop()
        return None

    def is_empty(self):
        return len(self.items) != 0
'''
QUEUE = '''class Queue:
    def __init__(self):
        self.items = []

    def put(self, item):
        self.items.insert(0, item)

    def get(self):
        if self.items:
            return self.items.pop()
        return None
'''
HEAD = {**BASE, "widgets/stack.py": STACK,
        "widgets/sizes.py": "def area(width, height):\n    return width * height\n\n\n"
                            "def perimeter(width, height):\n    return 2 * (width + height)\n"}


@contextmanager
def findings_table_held():
    """A second PostgreSQL session holds a SHARE lock on the findings table: reads go on,
    the analysis's first write of findings waits until the block ends."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"],
                         port=db["PORT"] or 5432) as held:
        held.execute(f"LOCK TABLE {Finding._meta.db_table} IN SHARE MODE")
        try:
            yield
        finally:
            held.rollback()


def open_and_deliver(live_server, fake, number: int = 1, **kwargs):
    fake.open_pull_request(REPO, number, BASE, HEAD, title="Add a stack", **kwargs)
    payload = pull_request_payload(fake, number, "opened")
    response = deliver(live_server.url, "pull_request", payload)
    assert response.status_code == 202, response.text
    return payload


def finished(number: int = 1, head: str | None = None) -> PullRequestAnalysis | None:
    analyses = PullRequestAnalysis.objects.filter(number=number)
    if head:
        analyses = analyses.filter(head_sha=head)
    return analyses.filter(state__in=PullRequestAnalysis.FINISHED).first()


def posted_findings(analysis: PullRequestAnalysis) -> list[Finding]:
    """What the revision's analysis found, as the review must carry it."""
    config = analysis.revision.repo_config
    found = [f for f in analysis.revision.findings.select_related("file")
             if config.posts(f.probability, f.severity)]
    assert found, ("the current bug model finds nothing in widgets/stack.py: pick a pull "
                   "request it flags, so this test checks posting")
    return found


def assert_one_review_and_one_check_run(fake, analysis, findings):
    reviews = fake.submitted_reviews(REPO, analysis.number)
    assert len(reviews) == 1, reviews
    review = reviews[0]
    assert review["commit_id"] == analysis.head_sha and review["state"] == "COMMENTED"
    comments = fake.comments_of(review)
    assert sorted((c["path"], c["line"]) for c in comments) == sorted(
        (f.file.path, f.end_line) for f in findings)
    runs = [r for r in fake.check_runs.values() if r["head_sha"] == analysis.head_sha]
    assert len(runs) == 1
    run = runs[0]
    # The configured conclusion (neutral) when a likely bug is posted; hints alone: success.
    likely = any(f.severity != "low" for f in findings)
    assert run["status"] == "completed"
    assert run["conclusion"] == ("neutral" if likely else "success")
    assert run["details_url"].endswith(analysis.revision.get_absolute_url())
    assert len(run["annotations"]) == len(findings)
    return review, comments, run


def test_opened_pull_request_gets_one_review_with_inline_comments_and_a_check_run(
        live_server, running_worker, connected, fake_github):
    # GitHub's secondary rate limit on the first review post: the worker obeys retry-after.
    fake_github.fail_next("POST", r"/pulls/1/reviews$", 429, headers={"retry-after": "1"})
    open_and_deliver(live_server, fake_github)
    analysis = wait_for(finished, 240, what="the analysis to be posted")
    assert analysis.state == PullRequestAnalysis.DONE, analysis.error
    findings = posted_findings(analysis)
    review, comments, run = assert_one_review_and_one_check_run(fake_github, analysis, findings)
    assert all(c["side"] == "RIGHT" for c in comments)
    assert any("```suggestion" in c["body"] for c in comments)
    posts = fake_github.calls_to("POST", r"/pulls/1/reviews$")
    assert [c.status for c in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 1.0
    assert "likely bugs" in run["output"]["summary"] and "Time taken" in run["output"]["summary"]
    diff_calls = fake_github.calls_to("GET", r"/pulls/1$")
    assert any("vnd.github.diff" in c.accept for c in diff_calls)
    assert analysis.revision.files.filter(path="widgets/stack.py").exists()


def test_twenty_concurrent_replays_of_one_delivery_give_one_review(
        live_server, running_worker, connected, fake_github):
    fake_github.open_pull_request(REPO, 1, BASE, HEAD, title="Add a stack")
    payload = pull_request_payload(fake_github, 1, "opened")
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(
            lambda _: deliver(live_server.url, "pull_request", payload, delivery="same-id"),
            range(20)))
    assert sorted(r.status_code for r in responses) == [200] * 19 + [202]
    analysis = wait_for(finished, 240, what="the analysis to be posted")
    time.sleep(3)  # a duplicate would be posted right behind the first
    assert PullRequestAnalysis.objects.count() == 1
    assert_one_review_and_one_check_run(fake_github, analysis, posted_findings(analysis))


def test_synchronize_posts_only_the_new_bug(live_server, running_worker, connected,
                                             fake_github):
    open_and_deliver(live_server, fake_github)
    first = wait_for(finished, 240, what="the first head to be posted")
    old = {(f.file.path, f.kind) for f in posted_findings(first)}
    head = fake_github.push(REPO, 1, {**HEAD, "widgets/queue.py": QUEUE})
    response = deliver(live_server.url, "pull_request",
                       pull_request_payload(fake_github, 1, "synchronize"))
    assert response.status_code == 202
    second = wait_for(lambda: finished(1, head), 240, what="the second head to be posted")
    assert second.state == PullRequestAnalysis.DONE, second.error
    reviews = fake_github.submitted_reviews(REPO, 1)
    assert len(reviews) == 2 and reviews[1]["commit_id"] == head
    new_comments = fake_github.comments_of(reviews[1])
    assert new_comments and {c["path"] for c in new_comments} == {"widgets/queue.py"}
    current = {(f.file.path, f.kind) for f in posted_findings(second)}
    assert old <= current  # the stack's findings are still there, and not commented again
    assert second.change_set_id == first.change_set_id
    assert second.revision.number == 2


def test_a_refused_inline_comment_moves_to_the_review_body(live_server, running_worker,
                                                           connected, fake_github):
    refused: dict[str, int] = {}

    def on_one_stack_line(body):
        """The first stack.py line GitHub is asked to comment on is the one it cannot resolve."""
        lines = [c["line"] for c in (body or {}).get("comments", [])
                 if c["path"] == "widgets/stack.py"]
        if lines and "line" not in refused:
            refused["line"] = min(lines)
        return refused.get("line") in lines

    # GitHub refuses the review because of one comment (and the probe for that comment only).
    fake_github.fail_next("POST", r"/pulls/1/reviews$", 422, times=2, when=on_one_stack_line,
                          body={"message": "Unprocessable Entity",
                                "errors": ["Line could not be resolved"]})
    open_and_deliver(live_server, fake_github)
    analysis = wait_for(finished, 240, what="the analysis to be posted")
    findings = posted_findings(analysis)
    assert "line" in refused, "the bug model flags nothing in widgets/stack.py; update the test"
    line = refused["line"]
    reviews = fake_github.submitted_reviews(REPO, 1)
    assert len(reviews) == 1
    inline = {(c["path"], c["line"]) for c in fake_github.comments_of(reviews[0])}
    assert ("widgets/stack.py", line) not in inline
    assert inline == {(f.file.path, f.end_line) for f in findings} - {("widgets/stack.py", line)}
    assert f"`widgets/stack.py` line {line}" in reviews[0]["body"]
    assert not [r for r in fake_github.reviews if r["state"] == "PENDING"]


def test_a_worker_killed_mid_analysis_resumes_to_exactly_one_review(
        live_server, running_worker, connected, fake_github):
    def analysing():
        analysis = PullRequestAnalysis.objects.filter(revision__isnull=False).first()
        job = analysis.revision.jobs.first() if analysis else None
        return job if job and job.state == "running" and job.stage else None

    # The findings stage must write its rows; holding their table keeps the analysis mid-way
    # however fast the worker is, so the kill always lands inside it.
    with findings_table_held():
        open_and_deliver(live_server, fake_github)
        job = wait_for(analysing, 120, what="the analysis job to run")
        running_worker.kill()
        job.refresh_from_db()
        assert job.state == "running"  # killed mid-analysis, nothing finished it
    running_worker.start()
    analysis = wait_for(finished, 240, what="the redelivered analysis to be posted")
    assert analysis.state == PullRequestAnalysis.DONE, analysis.error
    time.sleep(3)
    assert_one_review_and_one_check_run(fake_github, analysis, posted_findings(analysis))
