"""Celery tasks of the hunt queue (`hunts`, separate from review analysis)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import fanout, services
from .engine.hunt import HuntConfig, HuntProgress, run_hunt
from .models import BugHunt
from .progress import publish
from .signals import hunt_finished

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 0.5  # database writes of the counters, at most this often


@shared_task(bind=True)
def run_bug_hunt(self, hunt_id: int) -> None:
    """Run a queued hunt to its end; a hunt already started elsewhere is left alone.

    Its candidates are validated here and by `validate_hunt_candidates` tasks that other
    workers of the `hunts` queue pick up; run eagerly (tests, no broker) they are validated
    in threads here."""
    claimed = BugHunt.objects.filter(pk=hunt_id, state=BugHunt.QUEUED).update(
        state=BugHunt.RUNNING, started_at=timezone.now())
    if not claimed:
        return
    hunt = BugHunt.objects.select_related("repository").get(pk=hunt_id)
    try:
        if hunt.cancel_requested:
            services.record_result(hunt, {"status": BugHunt.CANCELLED, "message": "cancelled "
                                          "before it started", "wall_s": 0.0, "cpu_s": 0.0}, [])
        else:
            with services.hunt_files(hunt) as repo:
                _hunt(hunt, repo, eager=self.request.is_eager)
    except Exception as exc:  # the page must show a reason, never stay "running"
        if not isinstance(exc, services.HuntRefused):
            log.exception("hunt %s failed", hunt.pk)
        services.record_result(hunt, {"status": BugHunt.ERROR, "message": str(exc),
                                      "wall_s": hunt.wall_s, "cpu_s": hunt.cpu_s}, [])
    publish(hunt.pk, hunt.as_json())
    hunt_finished.send(sender=BugHunt, hunt=hunt)


def _hunt(hunt: BugHunt, repo: Path, eager: bool) -> None:
    """The engine's hunt in `repo`, its progress and candidates recorded as they come."""
    last = {"progress": 0.0, "cancel": 0.0, "cancelled": False}

    def on_progress(progress: HuntProgress) -> None:
        now = time.monotonic()
        if now - last["progress"] >= PROGRESS_EVERY_S or progress.phase == "finished":
            last["progress"] = now
            services.record_progress(hunt, progress)
            publish(hunt.pk, hunt.as_json())

    def should_cancel() -> bool:
        now = time.monotonic()
        if now - last["cancel"] >= 1.0:
            last["cancel"] = now
            last["cancelled"] = services.cancel_requested(hunt.pk)
        return last["cancelled"]

    config = HuntConfig(budget_s=hunt.budget_s, parallel=hunt.parallel,
                        use_bugmodel=settings.SQUIGGLE["ANALYSIS_ML"],
                        use_lm=settings.SQUIGGLE["ANALYSIS_ML"],
                        use_lm_surprisal=settings.SQUIGGLE["HUNT_LM_SURPRISAL"])
    shared = None if eager else fanout.pool_factory(hunt, dispatch=validate_hunt_candidates.delay)
    result = run_hunt(repo, hunt.test_command, hunt.issue_text, config,
                      on_progress=on_progress, should_cancel=should_cancel,
                      on_validation=lambda v: services.record_candidate(hunt, v),
                      pool_factory=shared)
    services.record_result(hunt, result.to_json(), result.patches)


@shared_task
def validate_hunt_candidates(hunt_id: int) -> int:
    """Help a running hunt: validate its queued candidates in a sandbox of this worker."""
    return fanout.help_validate(hunt_id)


@shared_task
def sweep_abandoned_hunts() -> int:
    """Celery beat's periodic sweep (the embedded `runsquiggle` runs it itself)."""
    return services.fail_abandoned_hunts()
