"""Request guards: oversized bodies refused early, login required on every page but a few."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse


class RejectOversizedBodies:
    """A body past the diff limit gets the clear 413 before anything reads it.

    Without this, a pasted 60 MB diff fails inside Django's form parsing with a generic 400.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .views import too_large

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return too_large(request, length)
        return self.get_response(request)


OPEN_PREFIXES = ("/healthz", "/accounts/login", "/github/webhook", "/static/")


class LoginRequiredEverywhere:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if request.user.is_authenticated or path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        if path.startswith("/admin/"):
            return self.get_response(request)  # the admin has its own login
        if request.headers.get("accept", "").startswith("application/json"):
            return JsonResponse({"error": "login required"}, status=401)
        return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
