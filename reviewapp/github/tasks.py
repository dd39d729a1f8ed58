"""Celery tasks: fetch and store a pull request's head, publish its results, answer commands.

All are `acks_late` (a killed worker's message is redelivered) and idempotent: a rerun picks
up from what the PullRequestAnalysis row recorded.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction

from reviewapp.hunts.models import BugHunt
from reviewapp.reviews.models import AnalysisJob, ChangeSet, Repository, Revision
from reviewapp.reviews.services import ingest_limits, store_revision

from . import publish as publishing
from .client import GitHubClient
from .connect import credentials_for
from .errors import GitHubError, GitHubNotConfigured, RateLimited
from .hunts import result_comment, start_pull_request_hunt, suggest_best_patch
from .models import PullRequestAnalysis, PullRequestHunt, WebhookDelivery
from .pull_requests import FetchLimits, fetch_pull_request, load_repo_config
from .webhooks import queue_analysis

log = logging.getLogger(__name__)

TASK_OPTIONS = {"bind": True, "acks_late": True, "max_retries": 8}


def client_for(repository: Repository) -> GitHubClient:
    return GitHubClient(credentials_for(repository),
                        max_wait_s=settings.SQUIGGLE_GITHUB["MAX_WAIT_S"])


def _client_or_fail(analysis: PullRequestAnalysis) -> GitHubClient | None:
    """The repository's client, or None with the analysis failed for want of credentials."""
    try:
        return client_for(analysis.repository)
    except GitHubNotConfigured as exc:
        _mark_failed(analysis, str(exc))
        return None


def _fetch_limits() -> FetchLimits:
    conf = settings.SQUIGGLE_GITHUB
    return FetchLimits(max_diff_bytes=conf["MAX_DIFF_BYTES"], max_files=conf["MAX_FILES"],
                       max_content_bytes=conf["MAX_CONTENT_BYTES"], ingest=ingest_limits())


def _load(analysis_id: int) -> PullRequestAnalysis | None:
    return (PullRequestAnalysis.objects.select_related("repository__github", "revision")
            .filter(pk=analysis_id).first())


@shared_task(**TASK_OPTIONS)
def start_analysis(self, analysis_id: int) -> None:
    """Check run in progress, configuration at base, the PR fetched and stored as a Revision
    (whose analysis task then runs exactly as for a local review)."""
    analysis = _load(analysis_id)
    if analysis is None or analysis.state in PullRequestAnalysis.FINISHED:
        if analysis is not None and analysis.state == PullRequestAnalysis.SUPERSEDED:
            _close_superseded(analysis)
        return
    if analysis.revision_id:  # a redelivery after the revision was stored
        job = analysis.revision.jobs.first()
        if job is not None and job.state in (AnalysisJob.DONE, AnalysisJob.FAILED):
            publish_analysis.delay(analysis.pk)
        return
    client = _client_or_fail(analysis)
    if client is None:
        return
    try:
        publishing.start_check_run(client, analysis)
        repo = analysis.repository.full_name
        pull = client.pull_request(repo, analysis.number)
        if pull["head"]["sha"] != analysis.head_sha:
            # GitHub diffs the current head only; that push's own delivery reviews it.
            PullRequestAnalysis.objects.filter(pk=analysis.pk).update(
                state=PullRequestAnalysis.SUPERSEDED)
            analysis.refresh_from_db()
            _close_superseded(analysis)
            return
        base_sha = pull["base"]["sha"]
        config = load_repo_config(client, repo, base_sha)
        if pull.get("draft") and not config.drafts:
            _skip(client, analysis, "Draft pull request: skipped (set `review.drafts = true` "
                                    "in .squiggle.toml to review drafts).")
            return
        fetched = fetch_pull_request(client, repo, analysis.number, base_sha,
                                     analysis.head_sha, _fetch_limits())
    except RateLimited as exc:
        raise self.retry(exc=exc, countdown=exc.wait_s) from exc
    except GitHubError as exc:
        _fail(client, analysis, f"could not read the pull request from GitHub: {exc}")
        return
    with transaction.atomic():
        locked = PullRequestAnalysis.objects.select_for_update().get(pk=analysis.pk)
        if locked.state != PullRequestAnalysis.QUEUED or locked.revision_id:
            return
        change_set = _change_set(analysis, pull)
        revision = store_revision(change_set, fetched.parsed, Revision.GITHUB, config)
        locked.base_sha, locked.left_out = base_sha, fetched.left_out
        locked.change_set, locked.revision = change_set, revision
        locked.state = PullRequestAnalysis.ANALYSING
        locked.save(update_fields=["base_sha", "left_out", "change_set", "revision", "state"])


def _change_set(analysis: PullRequestAnalysis, pull: dict) -> ChangeSet:
    """The PR's change set, created once (the repository row serialises concurrent creators)."""
    Repository.objects.select_for_update().filter(pk=analysis.repository_id).first()
    title = f"#{analysis.number} {pull.get('title', '')}"[:300]
    change_set, created = ChangeSet.objects.get_or_create(
        repository=analysis.repository, kind=ChangeSet.PULL_REQUEST, number=analysis.number,
        defaults={"title": title})
    if not created and change_set.title != title:
        change_set.title = title
        change_set.save(update_fields=["title", "updated_at"])
    return change_set


def on_analysis_finished(sender, job: AnalysisJob, **kwargs) -> None:
    """The reviews app finished a revision: publish it if it belongs to a pull request."""
    ids = list(PullRequestAnalysis.objects.filter(revision_id=job.revision_id)
               .values_list("pk", flat=True))
    for analysis_id in ids:
        transaction.on_commit(lambda pk=analysis_id: publish_analysis.delay(pk))


@shared_task(**TASK_OPTIONS)
def publish_analysis(self, analysis_id: int) -> None:
    """The review and the completed check run, each posted once."""
    analysis = _load(analysis_id)
    if analysis is None or analysis.state in (PullRequestAnalysis.DONE,
                                              PullRequestAnalysis.SKIPPED):
        return
    if analysis.state == PullRequestAnalysis.SUPERSEDED:
        _close_superseded(analysis)
        return
    client = _client_or_fail(analysis)
    if client is None:
        return
    try:
        publishing.publish(client, analysis)
    except RateLimited as exc:
        raise self.retry(exc=exc, countdown=exc.wait_s) from exc
    except GitHubError as exc:
        _fail(client, analysis, f"could not post the review: {exc}")
        return
    PullRequestAnalysis.objects.filter(pk=analysis.pk).exclude(
        state=PullRequestAnalysis.SUPERSEDED).update(state=PullRequestAnalysis.DONE)


def _skip(client: GitHubClient, analysis: PullRequestAnalysis, why: str) -> None:
    publishing.finish_check_run(client, analysis, conclusion="skipped", title="Skipped",
                                summary=why)
    PullRequestAnalysis.objects.filter(pk=analysis.pk).update(state=PullRequestAnalysis.SKIPPED,
                                                              error=why)


def _mark_failed(analysis: PullRequestAnalysis, why: str) -> None:
    log.error("%s: %s", analysis, why)
    PullRequestAnalysis.objects.filter(pk=analysis.pk).update(state=PullRequestAnalysis.FAILED,
                                                              error=why[:2000])


def _fail(client: GitHubClient, analysis: PullRequestAnalysis, why: str) -> None:
    """Failed, and the check run says why (when it still can)."""
    _mark_failed(analysis, why)
    try:
        publishing.finish_check_run(client, analysis, conclusion="neutral",
                                    title="Squiggle could not review this push", summary=why)
    except GitHubError:
        log.warning("%s: the check run could not be completed either", analysis)


def _close_superseded(analysis: PullRequestAnalysis) -> None:
    """A newer push (or closing the PR) replaced this head: its check run says so."""
    if analysis.check_state not in (PullRequestAnalysis.IN_PROGRESS,
                                    PullRequestAnalysis.COMPLETING):
        return
    try:
        publishing.finish_check_run(client_for(analysis.repository), analysis,
                                    conclusion="cancelled", title="Superseded",
                                    summary="A newer push or the pull request's closing "
                                            "replaced this review.")
    except GitHubError:
        log.warning("%s: could not cancel its check run", analysis, exc_info=True)


HELP = (
    "**Squiggle commands** (comment on a pull request):\n"
    "- `/squiggle review`: review the current head again (new findings only)\n"
    "- `/squiggle hunt <what goes wrong> [`test command`]`: hunt a known bug on this head with "
    "candidate fixes validated by your tests (default `python -m pytest`); the validated "
    "patches are posted here\n"
    "- `/squiggle help`: this list"
)


@shared_task(**TASK_OPTIONS)
def answer_command(self, delivery_id: int, number: int, body: str, association: str = "",
                   login: str = "") -> None:
    """`/squiggle review | hunt <text> | help` on a pull request; one reply per delivery.
    `association` is the commenter's `author_association` (who may start hunts)."""
    delivery = WebhookDelivery.objects.select_related("repository").filter(
        pk=delivery_id).first()
    if delivery is None or delivery.replied or delivery.repository is None:
        return
    words = body.split()
    command = words[1].lower() if len(words) > 1 else "help"
    client = client_for(delivery.repository)
    repo = delivery.repository.full_name
    try:
        if command == "review":
            pull = client.pull_request(repo, number)
            analysis = queue_analysis(delivery.repository, number, pull["head"]["sha"], pull,
                                      rerun=PullRequestAnalysis.FINISHED)
            head = pull["head"]["sha"]
            reply = (f"Review queued for `{head[:7]}`." if analysis
                     else "A review of this head is already running.")
        elif command == "hunt":
            reply = None  # posted by the hunt's start, before the hunt can post its result
            start_pull_request_hunt(client, delivery.repository, number, body, association,
                                    login)
        else:
            reply = HELP if command == "help" else f"Unknown command `{command}`.\n\n{HELP}"
        if reply is not None:
            client.comment_on_issue(repo, number, reply)
    except RateLimited as exc:
        raise self.retry(exc=exc, countdown=exc.wait_s) from exc
    except GitHubError:
        log.exception("could not answer %s on %s#%s", command, repo, number)
        return
    WebhookDelivery.objects.filter(pk=delivery.pk).update(replied=True)


def on_hunt_finished(sender, hunt: BugHunt, **kwargs) -> None:
    """A hunt finished: post its result on the pull request that asked for it, if one did."""
    ids = list(PullRequestHunt.objects.filter(hunt=hunt, posted=False)
               .values_list("pk", flat=True))
    for link_id in ids:
        transaction.on_commit(lambda pk=link_id: publish_hunt.delay(pk))


@shared_task(**TASK_OPTIONS)
def publish_hunt(self, link_id: int) -> None:
    """The hunt's ranked patches (or why there is none) as a comment on its pull request, and
    the best one as a suggestion GitHub can apply, where it can go inline."""
    link = PullRequestHunt.objects.select_related("hunt", "repository").filter(
        pk=link_id).first()
    if link is None or link.posted or not link.hunt.finished:
        return
    try:
        client = client_for(link.repository)
        client.comment_on_issue(link.repository.full_name, link.number,
                                result_comment(link.hunt))
        # Recorded before the suggestion: a retry must not post the comment twice.
        PullRequestHunt.objects.filter(pk=link.pk).update(posted=True)
        suggest_best_patch(client, link)
    except RateLimited as exc:
        raise self.retry(exc=exc, countdown=exc.wait_s) from exc
    except (GitHubError, GitHubNotConfigured):
        log.exception("could not post the result of %s", link)
