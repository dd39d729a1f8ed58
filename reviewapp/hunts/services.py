"""Starting, cancelling and recording bug hunts; views and the GitHub integration call these."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from reviewapp.ingest.errors import GitSourceError
from reviewapp.reviews.models import ChangeSet, Repository, Revision
from reviewapp.reviews.services import DiffInput, create_change_set

from .engine.hunt import HuntConfig, HuntProgress, estimate
from .engine.reproduce import TestCommand, TestCommandError
from .engine.sandbox import Sandbox
from .engine.validate import Validation
from .models import BugHunt, Candidate

MAX_BUDGET_S = 3600
MIN_BUDGET_S = 10


class HuntRefused(ValueError):
    """A hunt that cannot start, with the reason in words."""


def hunt_directory(repository: Repository) -> Path:
    """The repository's registered checkout (under SQUIGGLE_REPO_ROOTS)."""
    try:
        return repository.checkout_path()
    except GitSourceError as exc:
        raise HuntRefused(f"bug hunts need the repository's files on this machine: {exc}") \
            from None


@contextmanager
def hunt_files(hunt: BugHunt) -> Iterator[Path]:
    """The directory to hunt in: the hunt's own files (unpacked into a scratch folder, removed
    afterwards) or else the repository's registered checkout."""
    if hunt.source_archive is None:
        yield hunt_directory(hunt.repository)
        return
    scratch = Sandbox.from_archive(bytes(hunt.source_archive))
    try:
        yield scratch.work
    finally:
        scratch.close()


# A live hunt stops at its budget; one still "running" this long after it is an orphan.
ABANDONED_AFTER_BUDGET_S = 300


def fail_abandoned_hunts() -> int:
    """Hunts whose worker died (still running long past their budget) end as errors."""
    now = timezone.now()
    failed = 0
    for hunt in BugHunt.objects.filter(state=BugHunt.RUNNING, started_at__isnull=False):
        deadline = hunt.started_at + timedelta(seconds=hunt.budget_s + ABANDONED_AFTER_BUDGET_S)
        if now > deadline:
            failed += BugHunt.objects.filter(pk=hunt.pk, state=BugHunt.RUNNING).update(
                state=BugHunt.ERROR, finished_at=now, phase="finished", snapshot=None,
                message="the worker running this hunt stopped before it finished; start the "
                        "hunt again")
            hunt.queue.all().delete()  # candidates no worker will collect
    return failed


def start_hunt(repository: Repository, user, issue_text: str, test_command: str,
               budget_s: int = 300, parallel: int = 2, source_archive: bytes | None = None,
               source: str = "") -> BugHunt:
    """Check the request, record a queued hunt and send it to the hunt queue. The hunt runs in
    `source_archive` (a gzipped tar of the files, see `Sandbox.archive`) when given, else in
    the repository's registered checkout."""
    if source_archive is None:
        hunt_directory(repository)
    try:
        TestCommand.parse(test_command)
    except TestCommandError as exc:
        raise HuntRefused(str(exc)) from None
    if not MIN_BUDGET_S <= budget_s <= MAX_BUDGET_S:
        raise HuntRefused(f"the budget must be between {MIN_BUDGET_S} and {MAX_BUDGET_S} seconds")
    hunt = BugHunt.objects.create(
        repository=repository, created_by=user if getattr(user, "pk", None) else None,
        issue_text=issue_text, test_command=test_command, budget_s=budget_s, parallel=parallel,
        source_archive=source_archive, source=source[:300])
    from .tasks import run_bug_hunt  # the task module imports this one

    transaction.on_commit(lambda: run_bug_hunt.delay(hunt.pk))
    return hunt


def cost_estimate(budget_s: int, parallel: int = 2) -> dict:
    """What a budget buys, shown on the form before a hunt starts."""
    return estimate(HuntConfig(budget_s=budget_s, parallel=parallel))


def request_cancel(hunt: BugHunt) -> None:
    """Ask the running hunt to stop; a queued one stops before it starts."""
    BugHunt.objects.filter(pk=hunt.pk).update(cancel_requested=True)


def cancel_requested(hunt_id: int) -> bool:
    return BugHunt.objects.filter(pk=hunt_id, cancel_requested=True).exists()


def record_progress(hunt: BugHunt, progress: HuntProgress) -> None:
    hunt.phase = progress.phase[:100]
    hunt.candidates_total, hunt.candidates_tried = progress.candidates_total, progress.tried
    hunt.candidates_passing = progress.passing
    hunt.candidates_overfitting = progress.overfitting
    hunt.wall_s, hunt.cpu_s = progress.wall_s, progress.cpu_s
    hunt.save(update_fields=["phase", "candidates_total", "candidates_tried",
                             "candidates_passing", "candidates_overfitting", "wall_s", "cpu_s"])


def record_candidate(hunt: BugHunt, validation: Validation) -> Candidate:
    c = validation.candidate
    return Candidate.objects.create(
        hunt=hunt, status=validation.status, stage=c.stage, kind=c.kind, path=c.path,
        line=c.line, description=c.description, diff=validation.diff,
        tests_passed=validation.tests_passed, tests_failed=validation.tests_failed,
        output=validation.output[-20000:], wall_s=validation.wall_s, cpu_s=validation.cpu_s,
        worker=validation.worker)


def record_result(hunt: BugHunt, result_json: dict, patches: list[Validation]) -> None:
    """The final state, and ranks 1..n on the validated candidates in the engine's order."""
    with transaction.atomic():
        for rank, patch in enumerate(patches, 1):
            hunt.candidates.filter(diff=patch.diff, status=Candidate.VALIDATED).update(rank=rank)
        hunt.state = result_json["status"]
        hunt.message = result_json.get("message", "")
        hunt.result = {k: v for k, v in result_json.items() if k != "patches"}
        hunt.wall_s, hunt.cpu_s = result_json["wall_s"], result_json["cpu_s"]
        hunt.finished_at = timezone.now()
        hunt.phase = "finished"
        hunt.source_archive = None  # the files are not needed once the hunt is over
        hunt.save()


def open_as_review(candidate: Candidate, user) -> ChangeSet:
    """A review of the candidate's patch, through the ordinary review pipeline."""
    hunt = candidate.hunt
    revision = create_change_set(
        hunt.repository, f"Bug hunt {hunt.pk}: {candidate.description}"[:300], user,
        DiffInput(diff=candidate.diff.encode(), source=Revision.PASTE))
    return revision.change_set
