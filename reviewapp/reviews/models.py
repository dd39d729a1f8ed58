"""Repositories, change sets and their revisions, down to hunks and findings."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from reviewapp.ingest.errors import GitSourceError
from reviewapp.repo_config import RepoConfig


class RepositoryQuerySet(models.QuerySet):
    def visible_to(self, user) -> RepositoryQuerySet:
        """Repositories the user is a member of, directly or through a group."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(
            models.Q(members=user) | models.Q(member_groups__in=user.groups.all())
        ).distinct()


class Repository(models.Model):
    LOCAL = "local"
    GITHUB = "github"
    PROVIDERS = [(LOCAL, "Local"), (GITHUB, "GitHub")]

    provider = models.CharField(max_length=20, choices=PROVIDERS, default=LOCAL)
    full_name = models.CharField(max_length=200, help_text="owner/name, or a label for local ones")
    local_path = models.CharField(max_length=1000, blank=True)
    webhook_secret = models.CharField(max_length=200, blank=True)
    installation_id = models.BigIntegerField(null=True, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="squiggle_repositories"
    )
    member_groups = models.ManyToManyField("auth.Group", blank=True, related_name="repositories")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RepositoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "repositories"
        constraints = [
            # A GitHub name is one repository; a local name is only a label its members chose.
            # Local labels may repeat, so creating one never tells a user whose repositories
            # already carry that label.
            models.UniqueConstraint(fields=["provider", "full_name"], name="unique_repository",
                                    condition=models.Q(provider="github")),
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        if self.local_path:
            try:
                self.checkout_path()
            except GitSourceError as exc:
                raise ValidationError({"local_path": str(exc)}) from None

    def checkout_path(self) -> Path:
        """The registered local checkout, if it lies under an allowed root (SQUIGGLE_REPO_ROOTS).

        Resolved with symlinks followed, so a link cannot lead outside the roots. Raises
        GitSourceError with the reason otherwise.
        """
        if not self.local_path:
            raise GitSourceError(f"{self.full_name} has no registered local checkout; an "
                                 "administrator registers one (its local path) in the admin")
        path = Path(self.local_path).resolve()
        roots = [Path(root).resolve() for root in settings.SQUIGGLE["REPO_ROOTS"]]
        if not any(path == root or root in path.parents for root in roots):
            raise GitSourceError(f"{path} is not under an allowed repository root "
                                 "(SQUIGGLE_REPO_ROOTS)")
        if not path.is_dir():
            raise GitSourceError(f"the registered checkout {path} is not a directory")
        return path


class ChangeSetQuerySet(models.QuerySet):
    def visible_to(self, user) -> ChangeSetQuerySet:
        return self.filter(repository__in=Repository.objects.visible_to(user))


class ChangeSet(models.Model):
    """A pull request or a local review; it gathers successive revisions."""

    LOCAL = "local"
    PULL_REQUEST = "pull_request"
    KINDS = [(LOCAL, "Local review"), (PULL_REQUEST, "Pull request")]

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="change_sets")
    kind = models.CharField(max_length=20, choices=KINDS, default=LOCAL)
    number = models.IntegerField(null=True, blank=True, help_text="pull request number")
    title = models.CharField(max_length=300)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChangeSetQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reviews:change_set", args=[self.pk])

    def latest_revision(self) -> Revision | None:
        return self.revisions.order_by("-number").first()


class Revision(models.Model):
    PASTE = "paste"
    UPLOAD = "upload"
    GIT = "git"
    GITHUB = "github"
    SOURCES = [(PASTE, "Pasted diff"), (UPLOAD, "Uploaded diff"), (GIT, "Local git"),
               (GITHUB, "GitHub")]

    change_set = models.ForeignKey(ChangeSet, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    base_sha = models.CharField(max_length=64, blank=True)
    head_sha = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=20, choices=SOURCES, default=PASTE)
    raw_diff = models.TextField()
    warnings = models.JSONField(default=list, blank=True)
    # The repository configuration that applied (reviewapp.repo_config.RepoConfig.to_json()).
    config = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["change_set", "number"]
        constraints = [
            models.UniqueConstraint(fields=["change_set", "number"], name="unique_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.change_set} r{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:revision", args=[self.change_set_id, self.number])

    @property
    def repo_config(self) -> RepoConfig:
        return RepoConfig.from_json(self.config)

    def replace_warnings(self, prefix: str | tuple[str, ...], notes: list[str]) -> None:
        """Save `notes` in place of the warnings a stage wrote before (those that start with
        its `prefix`, or one of them), keeping the other stages' warnings."""
        self.warnings = [w for w in self.warnings if not w.startswith(prefix)] + notes
        self.save(update_fields=["warnings"])

    @property
    def state(self) -> str:
        job = self.jobs.order_by("-created_at").first()
        return job.state if job else AnalysisJob.DONE


class FileChange(models.Model):
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=1000)
    old_path = models.CharField(max_length=1000)
    status = models.CharField(max_length=20)
    is_binary = models.BooleanField(default=False)
    old_mode = models.CharField(max_length=10, blank=True)
    new_mode = models.CharField(max_length=10, blank=True)
    similarity = models.IntegerField(null=True, blank=True)
    language = models.CharField(max_length=60, blank=True)
    order = models.IntegerField(default=0)
    order_reason = models.CharField(max_length=300, blank=True)
    role = models.CharField(max_length=30, blank=True)
    group = models.IntegerField(default=0)
    is_generated = models.BooleanField(default=False, help_text="generated or vendored")
    added = models.IntegerField(default=0)
    removed = models.IntegerField(default=0)
    # Identifies the file's change; a viewed mark survives a new revision while this is equal.
    content_hash = models.CharField(max_length=64)
    old_content = models.TextField(null=True, blank=True)
    new_content = models.TextField(null=True, blank=True)

    class Meta:
        ordering = ["revision", "order"]
        indexes = [models.Index(fields=["revision", "order"])]

    def __str__(self) -> str:
        return self.path

    @property
    def mode_changed(self) -> bool:
        return bool(self.old_mode and self.new_mode and self.old_mode != self.new_mode)

    @property
    def line_count(self) -> int:
        return self.added + self.removed

    @staticmethod
    def hash_change(path: str, old_path: str, status: str, hunk_texts: list[str],
                    new_content: str | None, new_mode: str | None) -> str:
        """A digest of what the change does to one file, independent of line numbers."""
        digest = hashlib.sha256()
        for part in (path, old_path, status, new_mode or ""):
            digest.update(part.encode() + b"\0")
        if new_content is not None:
            digest.update(b"content\0" + new_content.encode("utf-8", "surrogatepass"))
        for text in hunk_texts:
            digest.update(b"hunk\0" + text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


class Hunk(models.Model):
    GRAY = "gray"
    NORMAL = "normal"
    KEY = "key"
    TIERS = [(GRAY, "Gray"), (NORMAL, "Normal"), (KEY, "Key")]

    file = models.ForeignKey(FileChange, on_delete=models.CASCADE, related_name="hunks")
    index = models.IntegerField()
    old_start = models.IntegerField()
    old_lines = models.IntegerField()
    new_start = models.IntegerField()
    new_lines = models.IntegerField()
    section_header = models.CharField(max_length=500, blank=True)
    text = models.TextField()
    importance = models.FloatField(null=True, blank=True)
    tier = models.CharField(max_length=10, choices=TIERS, default=NORMAL)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["file", "index"]
        constraints = [models.UniqueConstraint(fields=["file", "index"], name="unique_hunk_index")]

    def __str__(self) -> str:
        return f"{self.file.path} @@ -{self.old_start},{self.old_lines} +{self.new_start}"

    @property
    def changed_lines(self) -> int:
        """Added plus removed lines (the header's counts include context)."""
        return sum(1 for line in self.text.split("\n") if line[:1] in ("+", "-"))


class Finding(models.Model):
    OPEN = "open"
    DISMISSED = "dismissed"
    ACCEPTED = "accepted"
    STATES = [(OPEN, "Open"), (DISMISSED, "Dismissed"), (ACCEPTED, "Accepted")]
    FALSE_POSITIVE = "false_positive"
    WONT_FIX = "wont_fix"
    NOT_IMPORTANT = "not_important"
    DISMISS_REASONS = [(FALSE_POSITIVE, "False positive"), (WONT_FIX, "Won't fix"),
                       (NOT_IMPORTANT, "Not important")]

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="findings")
    file = models.ForeignKey(FileChange, on_delete=models.CASCADE, related_name="findings")
    line = models.IntegerField()
    end_line = models.IntegerField()
    column = models.IntegerField(default=0)
    end_column = models.IntegerField(default=0)
    kind = models.CharField(max_length=60)
    message = models.TextField()
    probability = models.FloatField()
    severity = models.CharField(max_length=20, default="medium")
    replacement = models.TextField(blank=True)
    # A statement the fix also adds among the file's imports (a forgotten import).
    added_import = models.TextField(blank=True)
    origin = models.CharField(max_length=100, default="bugmodel")
    state = models.CharField(max_length=20, choices=STATES, default=OPEN)
    dismiss_reason = models.CharField(max_length=20, choices=DISMISS_REASONS, blank=True)
    # Identity across revisions (reviewapp.findings.fingerprint): path + normalised code + kind.
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    model_version = models.CharField(max_length=100, blank=True)
    fix_patch = models.TextField(blank=True, help_text="the accepted fix as a unified diff")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["file", "line", "column"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "line", "column", "end_line", "end_column", "kind", "origin"],
                name="unique_finding_span",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file.path}:{self.line} {self.kind}"

    @property
    def path(self) -> str:
        """The file's path, so a stored finding reads like a `bugmodel.Finding`."""
        return self.file.path


class FindingFeedback(models.Model):
    """A reviewer's verdict on a finding, kept as training data (`manage.py export_feedback`).

    The finding's fields are copied, not only linked: a rerun of the analysis replaces Finding
    rows, and the record must still say what the model said, on which code, with which model.
    """

    DISMISSED = Finding.DISMISSED
    ACCEPTED = Finding.ACCEPTED
    ACTIONS = [(DISMISSED, "Dismissed"), (ACCEPTED, "Accepted")]

    finding = models.ForeignKey(Finding, null=True, on_delete=models.SET_NULL,
                                related_name="feedback")
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="feedback")
    change_set = models.ForeignKey(ChangeSet, on_delete=models.CASCADE, related_name="feedback")
    revision_number = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=20, choices=ACTIONS)
    reason = models.CharField(max_length=20, choices=Finding.DISMISS_REASONS, blank=True)
    path = models.CharField(max_length=1000)
    line = models.IntegerField()
    end_line = models.IntegerField()
    column = models.IntegerField()
    end_column = models.IntegerField()
    kind = models.CharField(max_length=60)
    message = models.TextField()
    probability = models.FloatField()
    severity = models.CharField(max_length=20)
    replacement = models.TextField(blank=True)
    added_import = models.TextField(blank=True)
    origin = models.CharField(max_length=100)
    model_version = models.CharField(max_length=100, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    # The new side's code around the finding (as much as is known), from `context_start`.
    context = models.TextField(blank=True)
    context_start = models.IntegerField(default=1)
    patch = models.TextField(blank=True, help_text="the accepted fix as a unified diff")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.path}:{self.line} {self.kind}"


class AnalysisJob(models.Model):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    STATES = [(QUEUED, "Queued"), (RUNNING, "Running"), (DONE, "Done"), (FAILED, "Failed")]

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="jobs")
    state = models.CharField(max_length=20, choices=STATES, default=QUEUED)
    stage = models.CharField(max_length=60, blank=True)
    progress = models.FloatField(default=0.0)
    timings = models.JSONField(default=dict, blank=True)
    # What went wrong, in plain words (the failed stage is in `stage`); or why it was requeued.
    error = models.TextField(blank=True)
    # How many times a worker took the job; a job that keeps losing its worker stops retrying.
    attempts = models.PositiveIntegerField(default=0)
    # The Celery worker (hostname) that last took the job.
    worker = models.CharField(max_length=200, blank=True)
    # The last sign of life: when it was queued, or the running worker's latest heartbeat.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"job {self.pk} for {self.revision}: {self.state}"

    @property
    def finished(self) -> bool:
        return self.state in (self.DONE, self.FAILED)

    def as_json(self) -> dict:
        return {"id": self.pk, "state": self.state, "stage": self.stage,
                "progress": round(self.progress, 3), "error": self.error,
                "timings": self.timings, "attempts": self.attempts, "worker": self.worker}


class FileView(models.Model):
    """A reviewer's "viewed" mark on a file's change, valid while the change is the same."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    change_set = models.ForeignKey(ChangeSet, on_delete=models.CASCADE, related_name="file_views")
    path = models.CharField(max_length=1000)
    content_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "change_set", "path"], name="unique_file_view")
        ]

    def __str__(self) -> str:
        return f"{self.user} viewed {self.path}"


class ReviewVisit(models.Model):
    """The last revision of a change set a reviewer opened: the base of "since my last review"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    change_set = models.ForeignKey(ChangeSet, on_delete=models.CASCADE, related_name="visits")
    last_revision = models.ForeignKey(Revision, on_delete=models.CASCADE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "change_set"], name="unique_review_visit")
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.last_revision}"
