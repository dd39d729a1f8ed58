"""GitHub connections, webhook deliveries, pull-request analyses and what was posted for them."""

from __future__ import annotations

from django.db import models

from reviewapp.reviews.models import ChangeSet, Finding, Repository, Revision


class GitHubConnection(models.Model):
    """How Squiggle talks to GitHub for one repository (secrets are never displayed)."""

    APP = "app"
    TOKEN = "token"
    MODES = [(APP, "GitHub App"), (TOKEN, "Personal token (no check runs)")]

    repository = models.OneToOneField(Repository, on_delete=models.CASCADE, related_name="github")
    mode = models.CharField(max_length=10, choices=MODES, default=APP)
    app_id = models.BigIntegerField(null=True, blank=True)
    private_key_path = models.CharField(max_length=1000, blank=True)
    token = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.repository} ({self.get_mode_display()})"

    @property
    def posts_check_runs(self) -> bool:
        return self.mode == self.APP


class WebhookDelivery(models.Model):
    """One `X-GitHub-Delivery`; the unique id makes a redelivery a no-op."""

    delivery_id = models.CharField(max_length=100, unique=True)
    event = models.CharField(max_length=60)
    action = models.CharField(max_length=60, blank=True)
    repository = models.ForeignKey(Repository, null=True, blank=True, on_delete=models.SET_NULL)
    outcome = models.CharField(max_length=300, blank=True)
    # Set once a reply to a `/squiggle` command was posted (so a redelivered task skips it).
    replied = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event}.{self.action} {self.delivery_id}"


class PullRequestAnalysis(models.Model):
    """The review of one head of one pull request: fetched, analysed, posted exactly once.

    `review_state` / `check_state` record each call before ("posting") and after ("posted"),
    so a worker killed between the two looks for its own marker on GitHub instead of posting
    again.
    """

    QUEUED = "queued"
    ANALYSING = "analysing"
    DONE = "done"
    SKIPPED = "skipped"
    SUPERSEDED = "superseded"
    FAILED = "failed"
    STATES = [(QUEUED, "Queued"), (ANALYSING, "Analysing"), (DONE, "Done"),
              (SKIPPED, "Skipped"), (SUPERSEDED, "Superseded"), (FAILED, "Failed")]
    FINISHED = (DONE, SKIPPED, SUPERSEDED, FAILED)

    NOT_STARTED = ""
    POSTING = "posting"
    IN_PROGRESS = "in_progress"  # the check run exists and is not completed yet
    COMPLETING = "completing"  # its final update was sent, the answer not yet recorded
    POSTED = "posted"
    NOTHING = "nothing"  # nothing to post (no finding, or no check runs in token mode)

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE,
                                   related_name="pull_request_analyses")
    number = models.IntegerField()
    head_sha = models.CharField(max_length=64)
    run = models.PositiveIntegerField(default=1, help_text="2+ for `/squiggle review` re-runs")
    base_sha = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=300, blank=True)
    draft = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=STATES, default=QUEUED)
    change_set = models.ForeignKey(ChangeSet, null=True, blank=True, on_delete=models.SET_NULL)
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="pull_request_analyses")
    check_run_id = models.BigIntegerField(null=True, blank=True)
    check_state = models.CharField(max_length=20, blank=True)
    annotation_batches_sent = models.IntegerField(default=0)
    review_id = models.BigIntegerField(null=True, blank=True)
    review_state = models.CharField(max_length=20, blank=True)
    left_out = models.JSONField(default=list, blank=True)  # [{"path", "reason"}]
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["repository", "number", "head_sha", "run"],
                                    name="unique_pull_request_analysis"),
        ]

    def __str__(self) -> str:
        return f"{self.repository}#{self.number}@{self.head_sha[:7]}"

    @property
    def marker(self) -> str:
        """Hidden text in what we post, to find it again after a crash."""
        return f"<!-- squiggle-analysis:{self.pk} -->"


class PostedFinding(models.Model):
    """A finding published for a pull request (inline or in the review body), by fingerprint."""

    INLINE = "inline"
    BODY = "body"
    PLACES = [(INLINE, "Inline comment"), (BODY, "Review body")]

    analysis = models.ForeignKey(PullRequestAnalysis, on_delete=models.CASCADE,
                                 related_name="posted")
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.SET_NULL)
    fingerprint = models.CharField(max_length=64)
    path = models.CharField(max_length=1000)
    line = models.IntegerField()
    kind = models.CharField(max_length=60)
    place = models.CharField(max_length=10, choices=PLACES, default=INLINE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["analysis", "fingerprint"],
                                    name="unique_posted_fingerprint"),
        ]

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.kind}"



class PullRequestHunt(models.Model):
    """A `/squiggle hunt` on a pull request: the hunt, the head it ran on, and whether its
    result was posted back."""

    hunt = models.OneToOneField("hunts.BugHunt", on_delete=models.CASCADE,
                                related_name="pull_request")
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE,
                                   related_name="pull_request_hunts")
    number = models.IntegerField()
    head_sha = models.CharField(max_length=64)
    requested_by = models.CharField(max_length=100, blank=True)  # the commenter's login
    posted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"hunt {self.hunt_id} on {self.repository}#{self.number}@{self.head_sha[:7]}"
