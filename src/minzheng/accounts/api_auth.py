"""How the API knows who calls: a bearer token (partner systems) or a signed-in session (pages).

``TokenOrSessionAuth`` is the NinjaAPI's default ``auth``. Either way ``request.auth`` and
``request.user`` are the calling ``User``, and handlers apply the same ``restrict`` as pages.
A session whose user still owes the TOTP check is not accepted; a session's unsafe methods
must carry the CSRF token.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from minzheng.accounts import selectors, services
from minzheng.accounts.middleware import needs_second_factor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class TokenOrSessionAuth(HttpBearer):
    """``Authorization: Bearer mz_…`` or the browser's session cookie."""

    def __call__(self, request: HttpRequest) -> Any | None:
        if request.headers.get(self.header):
            return super().__call__(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or needs_second_factor(request):
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed")
        return user

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        found = selectors.api_token_for_key(token)
        if found is None:
            return None
        services.apitoken_touch(token=found)
        request.user = found.user
        return found.user
