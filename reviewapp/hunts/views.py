"""Bug-hunt pages: thin views over services."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.ingest.errors import IngestError
from reviewapp.reviews.models import Repository

from . import services
from .forms import HuntForm
from .models import BugHunt, Candidate


def _hunt(request: HttpRequest, hunt_id: int) -> BugHunt:
    """The hunt if the user may see its repository; 404 otherwise."""
    return get_object_or_404(
        BugHunt.objects.select_related("repository").filter(
            repository__in=Repository.objects.visible_to(request.user)), pk=hunt_id)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    repositories = Repository.objects.visible_to(request.user).order_by("full_name")
    hunts = BugHunt.objects.filter(repository__in=repositories).select_related("repository")
    return render(request, "hunts/index.html",
                  {"repositories": repositories, "hunts": hunts[:50]})


@require_http_methods(["GET", "POST"])
def repository_hunts(request: HttpRequest, repository_id: int) -> HttpResponse:
    """The hunt form of one repository, with its past hunts."""
    repository = get_object_or_404(Repository.objects.visible_to(request.user), pk=repository_id)
    form = HuntForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                hunt = services.start_hunt(
                    repository, request.user, form.cleaned_data["issue_text"],
                    form.cleaned_data["test"], form.cleaned_data["budget_s"])
            except services.HuntRefused as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(hunt.get_absolute_url())
        status = 400
    budget = form.data.get("budget_s") if form.is_bound else None
    estimate = services.cost_estimate(int(budget) if str(budget or "").isdigit() else 300)
    return render(request, "hunts/repository.html", {
        "repository": repository, "form": form, "estimate": estimate,
        "hunts": repository.hunts.all()[:50]}, status=status)


@require_GET
def detail(request: HttpRequest, hunt_id: int) -> HttpResponse:
    hunt = _hunt(request, hunt_id)
    return render(request, "hunts/detail.html", {
        "hunt": hunt, "patches": hunt.candidates.filter(status=Candidate.VALIDATED)
        .order_by("rank", "pk"),
        "suspicious": hunt.result.get("suspicious", [])[:15]})


@require_GET
def status(request: HttpRequest, hunt_id: int) -> JsonResponse:
    return JsonResponse(_hunt(request, hunt_id).as_json())


@require_POST
def cancel(request: HttpRequest, hunt_id: int) -> HttpResponse:
    hunt = _hunt(request, hunt_id)
    if not hunt.finished:
        services.request_cancel(hunt)
    return redirect(hunt.get_absolute_url())


@require_POST
def open_review(request: HttpRequest, hunt_id: int, candidate_id: int) -> HttpResponse:
    """One click: the patch becomes a review in the hunt's repository."""
    hunt = _hunt(request, hunt_id)
    candidate = get_object_or_404(hunt.candidates, pk=candidate_id)
    try:
        change_set = services.open_as_review(candidate, request.user)
    except IngestError as exc:
        return render(request, "error.html", {"status": 400, "title": "Cannot open a review",
                                              "message": str(exc)}, status=400)
    return redirect(change_set.get_absolute_url())
