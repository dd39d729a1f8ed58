"""Validation shared by the workers of the `hunts` queue: two real worker processes validate
candidates of one hunt; a helper stops at the hunt's deadline and on cancel."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from reviewapp.hunts import services
from reviewapp.hunts.engine.candidates import RepairCandidate
from reviewapp.hunts.engine.pool import ValidationSetup
from reviewapp.hunts.engine.reproduce import TestCommand
from reviewapp.hunts.engine.sandbox import Sandbox
from reviewapp.hunts.fanout import FanoutPool, help_validate, validate_next, worker_name
from reviewapp.hunts.models import BugHunt, Candidate, QueuedCandidate
from tests.live_squiggle import celery_worker_on_test_database

pytestmark = pytest.mark.django_db(transaction=True)

FIXED_LINE = "+    for i in range(len(items) - n, len(items)):"


@pytest.fixture
def local_repository(repository, buggy_project):
    repository.local_path = str(buggy_project)
    repository.save()
    return repository


@pytest.fixture
def two_hunt_workers(temp_repo_roots):
    """Two `celery worker` processes consuming the hunt queue, as on two machines."""
    with celery_worker_on_test_database("hunts", name="hunter1",
                                        SQUIGGLE_REPO_ROOTS=temp_repo_roots) as first, \
            celery_worker_on_test_database("hunts", name="hunter2",
                                           SQUIGGLE_REPO_ROOTS=temp_repo_roots) as second:
        yield first, second


@pytest.mark.integration
def test_two_workers_share_the_candidates_of_one_hunt(two_hunt_workers, member,
                                                      local_repository):
    hunt = services.start_hunt(local_repository, member, "the last element is never returned",
                               "python -m pytest", budget_s=180, parallel=2)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        hunt.refresh_from_db()
        if hunt.finished:
            break
        time.sleep(1)
    assert hunt.state == BugHunt.FIXED, hunt.message
    assert FIXED_LINE in hunt.best_candidate().diff
    candidates = list(hunt.candidates.all())
    workers = {c.worker for c in candidates}
    assert len(workers) == 2 and "" not in workers, workers  # both processes ran tests
    diffs = [c.diff for c in candidates]
    assert len(diffs) == len(set(diffs))  # no candidate validated twice
    assert hunt.candidates_tried == len(candidates)
    assert not QueuedCandidate.objects.filter(hunt=hunt).exists()  # the queue is cleaned up
    assert hunt.snapshot is None


@pytest.fixture
def shared_hunt(local_repository, member, buggy_project):
    """A running hunt whose snapshot and candidates are queued, as a coordinator leaves them."""
    hunt = BugHunt.objects.create(repository=local_repository, created_by=member,
                                  test_command="python -m pytest", state=BugHunt.RUNNING,
                                  started_at=timezone.now())
    with Sandbox.from_repository(buggy_project) as box:
        hunt.snapshot = box.archive()
    hunt.failing_tests = ["test_stats.py::test_last_two"]
    hunt.validation_deadline = timezone.now() + timedelta(seconds=120)
    hunt.save()
    text = (buggy_project / "stats.py").read_text()
    fixed = text.replace("len(items) - 1)", "len(items))")
    for position, new_text in enumerate([text.replace("append", "extend"), fixed]):
        QueuedCandidate.objects.create(hunt=hunt, position=position, path="stats.py",
                                       new_text=new_text, stage="inverse", kind="test", line=4,
                                       score=1.0, description=f"candidate {position}")
    return hunt


def test_a_helper_validates_every_pending_candidate_of_the_snapshot(shared_hunt):
    assert help_validate(shared_hunt.pk) == 2
    outcomes = [row.outcome for row in shared_hunt.queue.order_by("position")]
    assert [o["status"] for o in outcomes] == ["fails_target", "validated"]
    assert FIXED_LINE in outcomes[1]["diff"] and outcomes[1]["tests_passed"] == 3


def test_a_helper_stops_when_the_hunt_is_cancelled(shared_hunt):
    services.request_cancel(shared_hunt)
    assert help_validate(shared_hunt.pk) == 0
    assert set(shared_hunt.queue.values_list("state", flat=True)) == {QueuedCandidate.PENDING}


def test_a_helper_stops_at_the_hunts_wall_deadline(shared_hunt):
    BugHunt.objects.filter(pk=shared_hunt.pk).update(
        validation_deadline=timezone.now() - timedelta(seconds=1))
    assert help_validate(shared_hunt.pk) == 0


def test_a_candidate_is_claimed_by_one_worker_only(shared_hunt, buggy_project):
    with Sandbox.from_repository(buggy_project) as box:
        setup = ValidationSetup(box, TestCommand.parse("python -m pytest"),
                                shared_hunt.failing_tests, time.time() + 60)
        assert validate_next(shared_hunt.pk, setup, "a:1")
        assert validate_next(shared_hunt.pk, setup, "b:2")
        assert not validate_next(shared_hunt.pk, setup, "a:1")
    rows = list(shared_hunt.queue.order_by("position"))
    assert [(r.worker, r.state) for r in rows] == [("a:1", "done"), ("b:2", "done")]
    assert not Candidate.objects.exists()  # only the coordinator records candidates


def test_the_coordinator_skips_what_is_left_once_the_hunt_must_stop(shared_hunt, buggy_project):
    QueuedCandidate.objects.all().delete()  # the pool enqueues its own candidates
    text = (buggy_project / "stats.py").read_text()
    candidates = [RepairCandidate("stats.py", text.replace("out = []", f"out = [] * {i}"),
                                  "inverse", "test", 3, 1.0, f"candidate {i}") for i in range(5)]
    may_start = iter([True])  # then False: the budget ran out after the first look
    dispatched: list[int] = []
    with Sandbox.from_repository(buggy_project) as box:
        setup = ValidationSetup(box, TestCommand.parse("python -m pytest"),
                                shared_hunt.failing_tests, time.time() + 60)
        pool = FanoutPool(shared_hunt, setup, box.archive(), parallel=2,
                          dispatch=dispatched.append)
        validations = list(pool.validate(candidates, lambda: next(may_start, False)))
        states = sorted(QueuedCandidate.objects.values_list("state", flat=True))
        pool.close()
    assert dispatched == [shared_hunt.pk]  # one helper asked for, none came
    assert len(validations) == 2  # the two slots filled before the stop, run to their end
    assert {v.worker for v in validations} == {worker_name()}
    assert states == ["collected"] * 2 + ["skipped"] * 3
    assert not QueuedCandidate.objects.exists()
    shared_hunt.refresh_from_db()
    assert shared_hunt.snapshot is None
