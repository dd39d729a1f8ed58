"""Slowing down password guessing: failed sign-ins counted per client address and per username.

Past the limit, every sign-in from that address (or for that username) is refused for the rest
of the window, the correct password included, so guessing gains nothing by continuing. The same
counters guard the site's sign-in page (ThrottledLoginView) and the admin's (`throttled`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

WINDOW_S = 15 * 60
MAX_PER_ADDRESS = 20
MAX_PER_USERNAME = 5


@dataclass(frozen=True)
class LoginAttempts:
    address: str
    username: str

    @classmethod
    def of(cls, request: HttpRequest) -> LoginAttempts:
        return cls(request.META.get("REMOTE_ADDR", ""),
                   request.POST.get("username", "").strip().lower()[:150])

    def keys(self) -> list[tuple[str, int]]:
        """(cache key, limit) of each counter this attempt counts against."""
        keys = [(f"login-fail:addr:{self.address}", MAX_PER_ADDRESS)]
        if self.username:
            keys.append((f"login-fail:user:{self.username}", MAX_PER_USERNAME))
        return keys

    def blocked(self) -> bool:
        return any(cache.get(key, 0) >= limit for key, limit in self.keys())

    def record_failure(self) -> None:
        for key, _ in self.keys():
            if cache.add(key, 1, WINDOW_S) is False:
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.add(key, 1, WINDOW_S)


def guarded_sign_in(request: HttpRequest, sign_in: Callable[[], HttpResponse],
                    locked_out: Callable[[], HttpResponse]) -> HttpResponse:
    """Answer `locked_out()` while locked out; else `sign_in()`, counting it if it failed."""
    attempts = LoginAttempts.of(request)
    if attempts.blocked():
        response = locked_out()
        response.status_code = 429
        response["Retry-After"] = str(WINDOW_S)
        return response
    response = sign_in()
    if not request.user.is_authenticated:
        attempts.record_failure()
    return response


class ThrottledLoginView(LoginView):
    """Django's login view, refusing with 429 while an address or username is locked out."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return guarded_sign_in(request, lambda: super(ThrottledLoginView, self).post(
            request, *args, **kwargs), lambda: self._locked_out(request))

    def _locked_out(self, request: HttpRequest) -> HttpResponse:
        form = self.get_form()
        form.errors.clear()
        return self.render_to_response(self.get_context_data(
            form=form, locked_out=True, window_minutes=WINDOW_S // 60))


def throttled(login_view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Any other sign-in view (the admin's) behind the same counters; a lockout is plain text."""

    @wraps(login_view)
    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return login_view(request, *args, **kwargs)
        return guarded_sign_in(
            request, lambda: login_view(request, *args, **kwargs),
            lambda: HttpResponse(f"Too many failed sign-ins. Try again in {WINDOW_S // 60} "
                                 "minutes.", content_type="text/plain"))

    return view
