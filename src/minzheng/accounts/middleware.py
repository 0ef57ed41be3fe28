"""Two-factor enforcement for every page.

A signed-in user whose role asks for it (or a superuser) must pass a TOTP check once per
session before any page other than signing in and out, the two-factor page itself, static
files, the health check and the language switch. The API is left to its own authentication
(tokens, or a session that has passed the check). ``settings.DEMO_SKIP_TWO_FACTOR`` turns the
check off for laptop demos; it is off unless the environment sets ``MINZHENG_DEMO_SKIP_2FA``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from minzheng.accounts import selectors


def needs_second_factor(request: HttpRequest) -> bool:
    """Whether the request's user must still pass the TOTP check in this session."""
    user = request.user
    if not user.is_authenticated or settings.DEMO_SKIP_TWO_FACTOR:
        return False
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return False
    return selectors.two_factor_required(user)


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def exempt_prefixes(self) -> tuple[str, ...]:
        return (
            reverse("accounts:login"),
            reverse("accounts:logout"),
            reverse("accounts:two_factor"),
            reverse("web:health"),
            reverse("set_language"),
            settings.STATIC_URL or "/static/",
            "/api/",
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(self.exempt_prefixes) and needs_second_factor(request):
            target = (
                reverse("accounts:two_factor") + "?" + urlencode({"next": request.get_full_path()})
            )
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(target)
            return HttpResponseRedirect(target)
        return self.get_response(request)
