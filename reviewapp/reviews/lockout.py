"""The answer to a locked-out sign-in: the sign-in page saying why, as a 429 with Retry-After.

django-axes counts the failures and decides the lockout (settings: AXES_*); this is only what
the person at the keyboard sees, on the site's sign-in page and the admin's alike.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def locked_out(request: HttpRequest, original_response: HttpResponse | None,
               credentials: dict | None) -> HttpResponse:
    """The sign-in form again, empty, with the lockout message (axes' AXES_LOCKOUT_CALLABLE)."""
    cool_off_s = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(request, "registration/login.html", {
        "form": AuthenticationForm(request), "locked_out": True,
        "cool_off_minutes": max(1, round(cool_off_s / 60)),
        "next": request.POST.get("next", "")},
        status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(cool_off_s)
    return response
