"""Login required on every page except health, login and webhooks."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

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
