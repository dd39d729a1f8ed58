"""Post an analysed head back: one review (inline comments + body) and one check run.

Every call is recorded before ("posting") and after ("posted") on the PullRequestAnalysis, and
what we post carries a hidden marker, so a worker killed between the two finds its own review
or check run on GitHub instead of posting a duplicate.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reviewapp.findings.counts import FindingCount
from reviewapp.reviews.models import AnalysisJob, Hunk

from .client import GitHubClient
from .comments import (
    Plan,
    PlannedFinding,
    body_line,
    dismissed_fingerprints,
    inline_comment,
    plan_findings,
)
from .errors import Unprocessable
from .models import PostedFinding, PullRequestAnalysis

log = logging.getLogger(__name__)

CHECK_NAME = "Squiggle"
ANNOTATIONS_PER_REQUEST = 50  # GitHub's limit per check-run create/update
LEVELS = {"high": "failure", "medium": "warning", "low": "notice"}


def page_url(analysis: PullRequestAnalysis) -> str:
    """The guided review page of the analysed revision (or the app's home before there is one)."""
    base = settings.SQUIGGLE["PUBLIC_URL"].rstrip("/")
    return base + (analysis.revision.get_absolute_url() if analysis.revision_id else "/")


def _save(analysis: PullRequestAnalysis, **fields) -> None:
    for name, value in fields.items():
        setattr(analysis, name, value)
    analysis.save(update_fields=list(fields))


# -- check run ---------------------------------------------------------------------------------

def start_check_run(client: GitHubClient, analysis: PullRequestAnalysis) -> None:
    """The check run `in_progress` for this head, created once."""
    repo = analysis.repository.full_name
    connection = getattr(analysis.repository, "github", None)  # None: registered by hand
    if connection is None or not connection.posts_check_runs:
        if analysis.check_state != PullRequestAnalysis.NOTHING:
            log.info("%s: personal-token mode, so no check run (a GitHub App posts them)",
                     analysis)
            _save(analysis, check_state=PullRequestAnalysis.NOTHING)
        return
    if analysis.check_state == PullRequestAnalysis.POSTING:
        for run in client.check_runs(repo, analysis.head_sha, CHECK_NAME):
            if run.get("external_id") == str(analysis.pk):
                _save(analysis, check_run_id=run["id"],
                      check_state=PullRequestAnalysis.IN_PROGRESS)
                return
    elif analysis.check_state != PullRequestAnalysis.NOT_STARTED:
        return
    _save(analysis, check_state=PullRequestAnalysis.POSTING)
    run = client.create_check_run(repo, {
        "name": CHECK_NAME, "head_sha": analysis.head_sha, "status": "in_progress",
        "external_id": str(analysis.pk), "started_at": _iso(analysis.received_at),
        "details_url": page_url(analysis),
        "output": {"title": "Analysing", "summary": "Squiggle is reviewing this push."},
    })
    _save(analysis, check_run_id=run["id"], check_state=PullRequestAnalysis.IN_PROGRESS)


def finish_check_run(client: GitHubClient, analysis: PullRequestAnalysis, *, conclusion: str,
                     title: str, summary: str, annotations: list[dict] | None = None) -> None:
    """Complete the check run, sending annotations in batches of at most 50 (each recorded)."""
    start_check_run(client, analysis)
    repo = analysis.repository.full_name
    if analysis.check_state == PullRequestAnalysis.COMPLETING:
        # The final update may have landed before a crash; resending it would repeat annotations.
        run = client.check_run(repo, analysis.check_run_id)
        if run.get("status") == "completed":
            _save(analysis, check_state=PullRequestAnalysis.POSTED)
            return
    elif analysis.check_state != PullRequestAnalysis.IN_PROGRESS:
        return
    annotations = annotations or []
    batches = [annotations[i:i + ANNOTATIONS_PER_REQUEST]
               for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)] or [[]]
    for index in range(min(analysis.annotation_batches_sent, len(batches) - 1), len(batches)):
        output = {"title": title, "summary": summary[:65000], "annotations": batches[index]}
        payload: dict = {"output": output, "details_url": page_url(analysis)}
        if index == len(batches) - 1:
            payload.update(status="completed", conclusion=conclusion,
                           completed_at=_iso(timezone.now()))
            _save(analysis, check_state=PullRequestAnalysis.COMPLETING)
        client.update_check_run(repo, analysis.check_run_id, payload)
        _save(analysis, annotation_batches_sent=index + 1)
    _save(analysis, check_state=PullRequestAnalysis.POSTED)


def annotation(finding) -> dict:
    return {"path": finding.file.path, "start_line": finding.line, "end_line": finding.end_line,
            "annotation_level": LEVELS.get(finding.severity, "warning"),
            "title": f"Possible bug: {finding.kind}", "message": finding.message}


# -- review ------------------------------------------------------------------------------------

def post_review(client: GitHubClient, analysis: PullRequestAnalysis, plan: Plan) -> None:
    """One review (event COMMENT, commit_id = this head) with the new findings, posted once."""
    repo, number = analysis.repository.full_name, analysis.number
    if analysis.review_state in (PullRequestAnalysis.POSTED, PullRequestAnalysis.NOTHING):
        return
    if analysis.review_state == PullRequestAnalysis.POSTING:
        for review in client.reviews(repo, number):
            if analysis.marker in (review.get("body") or "") and review.get("state") != "PENDING":
                _save(analysis, review_id=review["id"], review_state=PullRequestAnalysis.POSTED)
                return
        planned = _planned_from_records(analysis)
    else:
        planned = plan.new
        if not planned and not analysis.left_out:
            _save(analysis, review_state=PullRequestAnalysis.NOTHING)
            return
        with transaction.atomic():
            PostedFinding.objects.bulk_create([
                PostedFinding(analysis=analysis, finding=p.finding, fingerprint=p.fingerprint,
                              path=p.finding.file.path, line=p.finding.line,
                              kind=p.finding.kind, place=p.place)
                for p in planned
            ], ignore_conflicts=True)
            _save(analysis, review_state=PullRequestAnalysis.POSTING)
    try:
        review = client.create_review(repo, number, _review_payload(analysis, planned))
    except Unprocessable:
        rejected = _rejected_comments(client, analysis, planned)
        log.warning("%s: GitHub refused %d inline comment(s); they go in the review body",
                    analysis, len(rejected))
        for item in rejected:
            item.comment = None
            PostedFinding.objects.filter(analysis=analysis, fingerprint=item.fingerprint
                                         ).update(place=PostedFinding.BODY)
        review = client.create_review(repo, number, _review_payload(analysis, planned))
    _save(analysis, review_id=review["id"], review_state=PullRequestAnalysis.POSTED,
          posted_at=timezone.now())


def _planned_from_records(analysis: PullRequestAnalysis) -> list[PlannedFinding]:
    """What an interrupted attempt was posting, rebuilt from its records."""
    planned = []
    for record in analysis.posted.select_related("finding__file"):
        if record.finding is None:
            continue
        comment = inline_comment(record.finding) if record.place == PostedFinding.INLINE else None
        planned.append(PlannedFinding(record.finding, record.fingerprint, comment))
    return planned


def _review_payload(analysis: PullRequestAnalysis, planned: list[PlannedFinding],
                    event: str | None = "COMMENT") -> dict:
    inline = [p.comment for p in planned if p.comment]
    in_body = [p for p in planned if not p.comment]
    found = FindingCount.of(p.finding for p in planned).words()  # planned is never empty
    lines = [f"**Squiggle** found {found} in "
             f"`{analysis.head_sha[:7]}`. [Open the guided review]({page_url(analysis)})"]
    if in_body:
        lines += ["", "Findings outside the diff's lines:"] + [body_line(p.finding)
                                                              for p in in_body]
    if analysis.left_out:
        lines += ["", "Left out of this review:"] + [
            f"- `{item['path']}`: {item['reason']}" for item in analysis.left_out]
    lines += ["", analysis.marker]
    payload = {"commit_id": analysis.head_sha, "body": "\n".join(lines), "comments": inline}
    if event:
        payload["event"] = event
    return payload


def _rejected_comments(client: GitHubClient, analysis: PullRequestAnalysis,
                       planned: list[PlannedFinding]) -> list[PlannedFinding]:
    """The inline comments GitHub refuses, found one by one with pending (unsubmitted,
    invisible) reviews that are deleted right away."""
    repo, number = analysis.repository.full_name, analysis.number
    for review in client.reviews(repo, number):  # a crash may have left a probe behind
        if review.get("state") == "PENDING" and analysis.marker in (review.get("body") or ""):
            client.delete_pending_review(repo, number, review["id"])
    rejected = []
    for item in planned:
        if not item.comment:
            continue
        probe = _review_payload(analysis, [item], event=None)
        try:
            pending = client.create_review(repo, number, probe)
        except Unprocessable:
            rejected.append(item)
            continue
        client.delete_pending_review(repo, number, pending["id"])
    return rejected


# -- the whole publication ---------------------------------------------------------------------

def publish(client: GitHubClient, analysis: PullRequestAnalysis) -> None:
    """Review (new findings only) then the completed check run with the summary."""
    revision = analysis.revision
    config = revision.repo_config
    earlier = list(PostedFinding.objects.filter(
        analysis__repository=analysis.repository, analysis__number=analysis.number,
    ).exclude(analysis=analysis))
    plan = plan_findings(revision, config, earlier,
                         dismissed_fingerprints(revision.change_set_id))
    post_review(client, analysis, plan)
    found = FindingCount.of(plan.current)
    # A hint alone (under a one-in-four chance of being a bug) must not block a merge.
    conclusion = settings.SQUIGGLE_GITHUB["CONCLUSION"] if found.likely else "success"
    title = found.words()
    finish_check_run(client, analysis, conclusion=conclusion, title=title,
                     summary=summary(analysis, plan),
                     annotations=[annotation(f) for f in plan.current])


def summary(analysis: PullRequestAnalysis, plan: Plan) -> str:
    """The check run's summary: counts, tiers, the guided page, time taken, models used, and
    the analysis's notes."""
    revision = analysis.revision
    severities = Counter(f.severity for f in plan.current)
    tiers = Counter(Hunk.objects.filter(file__revision=revision).values_list("tier", flat=True))
    job = revision.jobs.first()
    taken = (timezone.now() - analysis.received_at).total_seconds()
    found = FindingCount.of(plan.current)
    lines = [
        f"**{found.likely} likely bugs** ({severities['high']} high, {severities['medium']} "
        f"medium) and {found.hints} hints (low: unlikely or trivial); {len(plan.new)} newly "
        f"commented, {len(plan.resolved)} resolved since the previous push.",
        f"Hunks: {tiers['key']} key, {tiers['normal']} normal, {tiers['gray']} gray "
        f"(mechanical) in {revision.files.count()} files.",
        f"[Open the guided review]({page_url(analysis)}).",
        f"Time taken: {taken:.1f} s from the webhook. {models_used(job)}",
    ]
    config = revision.repo_config
    if config.errors:
        lines += ["", "**Configuration problems** (the defaults apply):"]
        lines += [f"- {error}" for error in config.errors]
    if analysis.left_out:
        lines += ["", "**Left out of this review:**"]
        lines += [f"- `{item['path']}`: {item['reason']}" for item in analysis.left_out]
    if revision.warnings:  # what the analysis could not put on a line (a deleted module's
        # importers, tests that could not be run)
        lines += ["", "**Notes:**"]
        lines += [f"- {warning}" for warning in revision.warnings]
    if plan.resolved:
        lines += ["", "**Resolved since the previous push:**"]
        lines += [f"- `{p.path}` line {p.line}: {p.kind}" for p in plan.resolved]
    if job is not None and job.state == AnalysisJob.FAILED:
        lines += ["", f"**The analysis failed**: {job.error}"]
    return "\n".join(lines)


def models_used(job: AnalysisJob | None) -> str:
    """Which models produced this result (the stages that ran)."""
    ran = set((job.timings if job else {}) or {})
    used = []
    if "bug detection" in ran:
        used.append(f"bug model {_weights_id()}")
    if "importance (language model)" in ran:
        model_dir = settings.SQUIGGLE["MODEL_DIR"]
        used.append(f"language model {Path(model_dir).name if model_dir else 'SmolLM2-135M'}")
    return ("Models: " + ", ".join(used) + ".") if used else "Models: none (mechanical only)."


def _weights_id() -> str:
    """A short id of the bug model's committed weights (their config and calibration)."""
    import bugmodel

    weights = Path(bugmodel.__file__).parent / "weights"
    digest = hashlib.sha256()
    for name in ("config.json", "calibration.json"):
        try:
            digest.update((weights / name).read_bytes())
        except OSError:
            return "(weights missing)"
    return f"bugmodel@{digest.hexdigest()[:8]}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
