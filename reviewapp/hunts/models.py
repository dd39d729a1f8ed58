"""Bug hunts and the candidate patches they validated."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from reviewapp.reviews.models import Repository

from .engine import hunt as engine


class BugHunt(models.Model):
    """One hunt: a repository, what is wrong, the test command, and what it spends."""

    QUEUED = "queued"
    RUNNING = "running"
    # The finished states are the statuses of DESIGN.md's hunt contract, from the engine.
    FIXED, NO_FIX, NOT_REPRODUCED = engine.FIXED, engine.NO_FIX, engine.NOT_REPRODUCED
    BUDGET_EXHAUSTED, CANCELLED, ERROR = engine.BUDGET_EXHAUSTED, engine.CANCELLED, engine.ERROR
    STATES = [(QUEUED, "Queued"), (RUNNING, "Running"), (FIXED, "Fixed"), (NO_FIX, "No fix"),
              (NOT_REPRODUCED, "Not reproduced"), (BUDGET_EXHAUSTED, "Budget exhausted"),
              (CANCELLED, "Cancelled"), (ERROR, "Error")]
    FINISHED = {FIXED, NO_FIX, NOT_REPRODUCED, BUDGET_EXHAUSTED, CANCELLED, ERROR}

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="hunts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL)
    issue_text = models.TextField(blank=True)
    test_command = models.CharField(max_length=1000)
    budget_s = models.PositiveIntegerField(default=300)
    parallel = models.PositiveSmallIntegerField(default=2)
    state = models.CharField(max_length=20, choices=STATES, default=QUEUED)
    cancel_requested = models.BooleanField(default=False)
    phase = models.CharField(max_length=100, blank=True)
    candidates_total = models.PositiveIntegerField(default=0)
    candidates_tried = models.PositiveIntegerField(default=0)
    candidates_passing = models.PositiveIntegerField(default=0)
    candidates_overfitting = models.PositiveIntegerField(default=0)
    wall_s = models.FloatField(default=0.0)
    cpu_s = models.FloatField(default=0.0)
    message = models.TextField(blank=True)
    # The engine's JSON without the patches (suspicious lines, isolation, reproduction output).
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The files to hunt in when they are not on this machine (a pull request's head): a gzipped
    # tar of the tree, and where it came from in words.
    source_archive = models.BinaryField(null=True, blank=True, editable=False)
    source = models.CharField(max_length=300, blank=True)
    # While candidates are shared with other workers (`fanout.py`): the reproduced scratch copy
    # (gzipped tar), the tests that failed on it, and when the wall budget ends.
    snapshot = models.BinaryField(null=True, blank=True, editable=False)
    failing_tests = models.JSONField(default=list, blank=True)
    validation_deadline = models.DateTimeField(null=True, blank=True)
    validating_helpers = models.PositiveSmallIntegerField(default=0)  # other workers helping

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"hunt {self.pk} in {self.repository}"

    def get_absolute_url(self) -> str:
        return reverse("hunts:detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED

    def best_candidate(self) -> Candidate | None:
        return self.candidates.filter(status=Candidate.VALIDATED).order_by("rank", "pk").first()

    def as_json(self) -> dict:
        best = self.best_candidate()
        return {
            "id": self.pk, "state": self.state, "finished": self.finished, "phase": self.phase,
            "cancel_requested": self.cancel_requested, "message": self.message,
            "candidates_total": self.candidates_total, "tried": self.candidates_tried,
            "passing": self.candidates_passing, "overfitting": self.candidates_overfitting,
            "wall_s": round(self.wall_s, 1), "cpu_s": round(self.cpu_s, 1),
            "budget_s": self.budget_s, "best": best.diff if best else "",
        }


class Candidate(models.Model):
    """A candidate patch the hunt ran the tests on, and what they said."""

    VALIDATED = "validated"
    OVERFITS = "overfits"
    FAILS_TARGET = "fails_target"
    STATUSES = [(VALIDATED, "All tests pass"), (OVERFITS, "Breaks other tests"),
                (FAILS_TARGET, "Failing tests still fail")]

    hunt = models.ForeignKey(BugHunt, on_delete=models.CASCADE, related_name="candidates")
    rank = models.PositiveIntegerField(null=True, blank=True,
                                       help_text="1 = best validated patch")
    status = models.CharField(max_length=20, choices=STATUSES)
    stage = models.CharField(max_length=20)
    kind = models.CharField(max_length=40)
    path = models.CharField(max_length=1000)
    line = models.PositiveIntegerField()
    description = models.TextField(blank=True)
    diff = models.TextField()
    tests_passed = models.PositiveIntegerField(default=0)
    tests_failed = models.PositiveIntegerField(default=0)
    output = models.TextField(blank=True)
    wall_s = models.FloatField(default=0.0)
    cpu_s = models.FloatField(default=0.0)
    worker = models.CharField(max_length=200, blank=True,
                              help_text="host:pid of the process that ran the tests")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["hunt", "rank", "pk"]

    def __str__(self) -> str:
        return f"{self.description} ({self.status})"


class QueuedCandidate(models.Model):
    """A candidate waiting for (or being validated by) any worker of the hunt queue.

    The hunt's coordinator enqueues its candidates best first; every validating worker claims
    the next pending one (row lock, skip locked), runs the tests and stores the outcome; the
    coordinator collects outcomes into `Candidate` rows. Deleted when the hunt finishes."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"  # outcome stored, not yet collected by the coordinator
    COLLECTED = "collected"
    SKIPPED = "skipped"  # the hunt stopped (budget, cancel, enough patches) before it ran
    STATES = [(s, s) for s in (PENDING, RUNNING, DONE, COLLECTED, SKIPPED)]

    hunt = models.ForeignKey(BugHunt, on_delete=models.CASCADE, related_name="queue")
    position = models.PositiveIntegerField()  # 0 = the most promising
    state = models.CharField(max_length=20, choices=STATES, default=PENDING)
    path = models.CharField(max_length=1000)
    new_text = models.TextField()  # the whole file with the candidate applied
    stage = models.CharField(max_length=20)
    kind = models.CharField(max_length=40)
    line = models.PositiveIntegerField()
    score = models.FloatField()
    description = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(null=True, blank=True)  # the Validation's fields, as stored

    class Meta:
        ordering = ["hunt", "position"]
        constraints = [models.UniqueConstraint(fields=["hunt", "position"],
                                               name="one_queued_candidate_per_position")]
        indexes = [models.Index(fields=["hunt", "state", "position"])]
