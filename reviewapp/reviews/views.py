"""Review pages: thin views over the models and services."""

from __future__ import annotations

import json
import logging
from collections import Counter

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.findings import NoFix
from reviewapp.findings.counts import HINT_SEVERITY, FindingCount
from reviewapp.ingest.errors import DiffTooLarge, IngestError
from reviewapp.publish import shown_findings
from reviewapp.repo_config import SEVERITIES

from . import feedback, jobs, services
from .forms import DiffSourceForm, NewReviewForm
from .interdiff import interdiff
from .models import AnalysisJob, ChangeSet, FileChange, Finding, Hunk, ReviewVisit, Revision
from .rendering import context_rows, finding_cards, render_file, trailing_gap

log = logging.getLogger(__name__)


def _error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    """A plain-words error page (or JSON for API clients), never a traceback."""
    if request.headers.get("accept", "").startswith("application/json"):
        return JsonResponse({"error": message}, status=status)
    return render(request, "error.html", {"status": status, "title": title, "message": message},
                  status=status)


def too_large(request: HttpRequest, received: int | None = None) -> HttpResponse:
    """413: the body is over the configured diff limit."""
    limit = settings.SQUIGGLE["MAX_DIFF_BYTES"]
    size = f"This request is {received / 1e6:.1f} MB; " if received else ""
    return _error_page(request, 413, "Too large",
                       f"{size}Squiggle takes diffs up to {limit / 1e6:.0f} MB "
                       "(SQUIGGLE_MAX_DIFF_BYTES). Split the change, or review it from a "
                       "repository range.")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return too_large(request)
    return _error_page(request, 400, "Bad request",
                       "Squiggle could not understand this request.")


def permission_denied(request: HttpRequest, exception: Exception | None = None
                      ) -> HttpResponse:
    return _error_page(request, 403, "Not allowed",
                       "You do not have access to this page, or the form expired: reload the "
                       "page and try again.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, "Not found",
                       "There is nothing here, or it belongs to a repository you are not a "
                       "member of.")


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context: the database may be what failed."""
    return HttpResponse(loader.get_template("500.html").render(), status=500)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # the reason goes to the log, never to an unauthenticated caller
        log.exception("health check: the database is unavailable")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def _change_set(request: HttpRequest, change_set_id: int) -> ChangeSet:
    """The change set if the user may see it; 404 otherwise, so names don't leak."""
    return get_object_or_404(ChangeSet.objects.visible_to(request.user), pk=change_set_id)


def _latest(request: HttpRequest, change_set_id: int) -> tuple[ChangeSet, Revision]:
    change_set = _change_set(request, change_set_id)
    revision = change_set.latest_revision()
    if revision is None:
        raise Http404("no revisions")
    return change_set, revision


def _revision(request: HttpRequest, change_set_id: int, number: int) -> Revision:
    change_set = _change_set(request, change_set_id)
    return get_object_or_404(change_set.revisions, number=number)


def _file(request: HttpRequest, change_set_id: int, number: int, file_id: int) -> FileChange:
    revision = _revision(request, change_set_id, number)
    return get_object_or_404(revision.files, pk=file_id)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    change_sets = (
        ChangeSet.objects.visible_to(request.user)
        .select_related("repository")
        .annotate(revision_count=Count("revisions"))
        .order_by("-updated_at", "-pk")  # an aggregate drops Meta.ordering
    )
    rows = []
    for change_set in change_sets[:200]:
        revision = change_set.latest_revision()
        job = revision.jobs.first() if revision else None
        rows.append({"change_set": change_set, "revision": revision, "job": job,
                     "state": job.state if job else AnalysisJob.DONE,
                     "files": revision.files.count() if revision else 0,
                     "findings": revision.findings.count() if revision else 0})
    return render(request, "reviews/home.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def new_review(request: HttpRequest) -> HttpResponse:
    form = NewReviewForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.create_change_set(
                form.target_repository(), form.cleaned_data["title"], request.user,
                form.diff_input(),
            )
        except IngestError as exc:
            form.add_error(None, str(exc))
            status = 413 if isinstance(exc, DiffTooLarge) else 400
            return render(request, "reviews/new.html", {"form": form}, status=status)
        return redirect(revision.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "reviews/new.html", {"form": form}, status=status)


@require_POST
def add_revision(request: HttpRequest, change_set_id: int) -> HttpResponse:
    change_set = _change_set(request, change_set_id)
    form = DiffSourceForm(request.POST, request.FILES, user=request.user,
                          repository=change_set.repository)
    if form.is_valid():
        try:
            revision = services.add_revision(change_set, form.diff_input())
        except IngestError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(revision.get_absolute_url())
    revision = change_set.latest_revision()
    return render(request, "reviews/add_revision.html",
                  {"form": form, "change_set": change_set, "revision": revision}, status=400)


@require_GET
def change_set_detail(request: HttpRequest, change_set_id: int) -> HttpResponse:
    _, revision = _latest(request, change_set_id)
    return redirect(revision.get_absolute_url())


def _view_mode(request: HttpRequest) -> str:
    """"unified" or "split": from the query string, remembered in the session."""
    mode = request.GET.get("view")
    if mode in ("unified", "split"):
        request.session["view_mode"] = mode
    return request.session.get("view_mode", "unified")


def _file_context(file: FileChange, findings: list[Finding]) -> dict:
    hunks = list(file.hunks.all())
    return {"file": file, "hunks": render_file(file, hunks, findings),
            "trailing_gap": trailing_gap(file, hunks),
            "finding_cards": finding_cards(file, hunks, findings)}


def _findings_panel(revision: Revision, shown: list[Finding], job: AnalysisJob | None) -> dict:
    """What the summary above the files says about findings: counts by severity, or plainly
    that none were found (only once bug detection has run), and what is not shown; hints
    (low severity) are counted apart from likely bugs."""
    counts = Counter(f.severity for f in shown)
    not_dismissed = revision.findings.exclude(state=Finding.DISMISSED).count()
    count = FindingCount.of(shown)
    return {
        "shown": len(shown),
        "likely": count.likely,
        "hints": count.hints,
        "by_severity": [(s, counts[s]) for s in SEVERITIES
                        if counts[s] and s != HINT_SEVERITY],
        "detection_ran": job is not None and "bug detection" in job.timings,
        "hidden": not_dismissed - len(shown),
        "dismissed": revision.findings.filter(state=Finding.DISMISSED).count(),
        "config": revision.repo_config,
    }


@require_GET
def revision_detail(request: HttpRequest, change_set_id: int, number: int) -> HttpResponse:
    revision = _revision(request, change_set_id, number)
    change_set = revision.change_set
    all_files = revision.files.all()
    files = list(
        all_files.defer("old_content", "new_content")
        .prefetch_related(Prefetch("hunks", queryset=Hunk.objects.only(
            "id", "file_id", "tier", "new_start", "new_lines", "old_lines")))
    )
    viewed = services.viewed_paths(request.user, revision)
    findings = shown_findings(revision.findings.all(), revision.repo_config)
    findings_by_file: dict[int, list[Finding]] = {}
    for finding in findings:
        findings_by_file.setdefault(finding.file_id, []).append(finding)
    budget = settings.SQUIGGLE["INLINE_RENDER_LINES"]
    large = settings.SQUIGGLE["LARGE_FILE_LINES"]
    inline_ids = set()
    for file in files:
        if budget <= 0:
            break
        if file.added + file.removed <= large:
            inline_ids.add(file.pk)
            budget -= file.added + file.removed
    # Contents are needed only where a file renders now (for context expansion).
    with_content = {f.pk: f for f in all_files.filter(pk__in=inline_ids)
                    .prefetch_related("hunks")}
    entries = []
    for file in files:
        hunks = list(file.hunks.all())
        entry = {"file": file, "viewed": file.path in viewed,
                 "finding_count": len(findings_by_file.get(file.pk, [])),
                 "gray_lines": sum(h.changed_lines for h in hunks if h.tier == Hunk.GRAY),
                 "key_hunks": sum(1 for h in hunks if h.tier == Hunk.KEY),
                 "large": file.added + file.removed > large}
        if file.pk in inline_ids:
            entry.update(_file_context(with_content[file.pk], findings_by_file.get(file.pk, [])))
            entry["inline"] = True
        entries.append(entry)
    previous_visit = ReviewVisit.objects.filter(user=request.user, change_set=change_set).first()
    last_seen = previous_visit.last_revision.number if previous_visit else None
    if previous_visit is None or previous_visit.last_revision.number < revision.number:
        ReviewVisit.objects.update_or_create(user=request.user, change_set=change_set,
                                             defaults={"last_revision": revision})
    job = revision.jobs.first()
    return render(request, "reviews/revision.html", {
        "change_set": change_set, "revision": revision, "entries": entries,
        "revisions": list(change_set.revisions.only("number", "created_at", "change_set_id")),
        "view_mode": _view_mode(request), "viewed_count": len(viewed),
        "job": job, "last_seen": last_seen,
        "findings_panel": _findings_panel(revision, findings, job),
        "add_form": DiffSourceForm(user=request.user, repository=change_set.repository),
    })


@require_GET
def file_fragment(request: HttpRequest, change_set_id: int, number: int, file_id: int
                  ) -> HttpResponse:
    """One file's hunks, rendered when the reviewer scrolls to it."""
    file = _file(request, change_set_id, number, file_id)
    findings = shown_findings(file.findings.all(), file.revision.repo_config)
    context = _file_context(file, findings)
    context["view_mode"] = _view_mode(request)
    return render(request, "reviews/_file_body.html", context)


@require_GET
def file_context_lines(request: HttpRequest, change_set_id: int, number: int, file_id: int
                       ) -> HttpResponse:
    """Unchanged lines of the new file, to expand around a hunk."""
    file = _file(request, change_set_id, number, file_id)
    try:
        first, last = int(request.GET["first"]), int(request.GET["last"])
        offset = int(request.GET.get("offset", "0"))
    except (KeyError, ValueError):
        return HttpResponse("first, last and offset must be integers", status=400)
    if last - first > 5000:
        return HttpResponse("at most 5000 lines at a time", status=400)
    rows = context_rows(file, first, last, offset)
    return render(request, "reviews/_context_rows.html",
                  {"rows": rows, "view_mode": _view_mode(request)})


@require_POST
def toggle_viewed(request: HttpRequest, change_set_id: int, number: int, file_id: int
                  ) -> JsonResponse:
    file = _file(request, change_set_id, number, file_id)
    try:
        viewed = bool(json.loads(request.body or b"{}").get("viewed", True))
    except (ValueError, AttributeError):
        return JsonResponse({"error": "body must be JSON like {\"viewed\": true}"}, status=400)
    services.set_viewed(request.user, file, viewed)
    return JsonResponse({"path": file.path, "viewed": viewed})


@require_POST
def reanalyze(request: HttpRequest, change_set_id: int, number: int) -> HttpResponse:
    """Run the analysis again (the retry button of a failed job)."""
    revision = _revision(request, change_set_id, number)
    jobs.reanalyze(revision)
    return redirect(revision.get_absolute_url())


@require_GET
def revision_status(request: HttpRequest, change_set_id: int, number: int) -> JsonResponse:
    revision = _revision(request, change_set_id, number)
    job = revision.jobs.first()
    return JsonResponse({"revision": revision.number, "job": job.as_json() if job else None})


@require_GET
def interdiff_view(request: HttpRequest, change_set_id: int) -> HttpResponse:
    """Between two revisions; by default from the reviewer's last visit to the latest."""
    change_set, latest = _latest(request, change_set_id)
    visit = ReviewVisit.objects.filter(user=request.user, change_set=change_set).first()
    try:
        new_number = int(request.GET.get("to", latest.number))
        seen = visit.last_revision.number if visit else None
        default_old = seen if seen is not None and seen < new_number else max(1, new_number - 1)
        old_number = int(request.GET.get("from", default_old))
    except ValueError:
        return HttpResponse("from and to must be revision numbers", status=400)
    old = get_object_or_404(change_set.revisions, number=old_number)
    new = get_object_or_404(change_set.revisions, number=new_number)
    files, unchanged = interdiff(old, new)
    return render(request, "reviews/interdiff.html", {
        "change_set": change_set, "old": old, "new": new, "files": files,
        "unchanged": unchanged, "revisions": list(change_set.revisions.all()),
    })


def _finding(request: HttpRequest, change_set_id: int, number: int, finding_id: int
             ) -> Finding:
    revision = _revision(request, change_set_id, number)
    return get_object_or_404(revision.findings.select_related("file", "revision__change_set"),
                             pk=finding_id)


def _finding_json(finding: Finding) -> dict:
    return {"id": finding.pk, "state": finding.state, "reason": finding.dismiss_reason}


@require_POST
def dismiss_finding(request: HttpRequest, change_set_id: int, number: int, finding_id: int
                    ) -> JsonResponse:
    """Dismiss with a reason (`reason` as a form field or in a JSON body)."""
    finding = _finding(request, change_set_id, number, finding_id)
    reason = None
    if request.content_type == "application/json":  # a form's body is read once, as POST
        try:
            reason = json.loads(request.body or b"{}").get("reason")
        except (ValueError, AttributeError):
            reason = None
    else:
        reason = request.POST.get("reason")
    try:
        count = feedback.dismiss(finding, request.user, reason or "")
    except feedback.InvalidVerdict as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({**_finding_json(finding), "dismissed": count})


@require_POST
def accept_finding(request: HttpRequest, change_set_id: int, number: int, finding_id: int
                   ) -> JsonResponse:
    """Accept: the fix is made through Apply and returned as a committable patch."""
    finding = _finding(request, change_set_id, number, finding_id)
    try:
        fix = feedback.accept(finding, request.user)
    except (NoFix, feedback.InvalidVerdict) as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({**_finding_json(finding), "patch": fix.patch, "method": fix.method,
                         "patch_url": reverse("reviews:finding_patch",
                                              args=[change_set_id, number, finding.pk])})


@require_GET
def finding_patch(request: HttpRequest, change_set_id: int, number: int, finding_id: int
                  ) -> HttpResponse:
    """The accepted fix as a `.patch` download (`git apply` takes it)."""
    finding = _finding(request, change_set_id, number, finding_id)
    if not finding.fix_patch:
        return _error_page(request, 404, "No fix", "This finding has no accepted fix yet.")
    name = f"squiggle-{finding.file.path.rsplit('/', 1)[-1]}-line-{finding.line}.patch"
    response = HttpResponse(finding.fix_patch, content_type="text/x-diff; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
