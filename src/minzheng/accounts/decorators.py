"""View guards. A page a user may not open answers 404, as a row out of scope does."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from minzheng.accounts.permissions import ACTIONS
from minzheng.accounts.scope import can, can_city_wide

View = Callable[..., HttpResponse]


def _guard(test: Callable[[Any], bool], action: str) -> Callable[[View], View]:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not test(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        wrapped.required_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorator


def action_required(action: str) -> Callable[[View], View]:
    """Sign-in required; a user holding ``action`` nowhere gets 404.

    The view still narrows every query with ``restrict(…, action)``: holding the action
    somewhere is not holding it over the row asked for.
    """
    return _guard(lambda user: can(user, action), action)


def city_wide_required(action: str) -> Callable[[View], View]:
    """Sign-in required; 404 unless the user holds ``action`` over the whole city."""
    return _guard(lambda user: can_city_wide(user, action), action)
