"""API tokens for partner systems: issue (shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.accounts import selectors, services
from minzheng.accounts.decorators import action_required
from minzheng.accounts.forms import ApiTokenForm, ReasonForm

ACTION = "apitoken.manage"


def _list(request: HttpRequest, form: ApiTokenForm, issued: str = "") -> HttpResponse:
    return render(
        request,
        "accounts/token_list.html",
        {
            "tokens": selectors.api_tokens_for(viewer=request.user)[:200],
            "form": form,
            "issued": issued,
        },
    )


@action_required(ACTION)
def token_list(request: HttpRequest) -> HttpResponse:
    return _list(request, ApiTokenForm())


@require_POST
@action_required(ACTION)
def token_create(request: HttpRequest) -> HttpResponse:
    """Issue a token; the page that answers is the only place its text is ever shown."""
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        holder = selectors.user_by_username(
            viewer=request.user, username=form.cleaned_data["user"], action=ACTION
        )
        if holder is None:
            form.add_error("user", _("找不到该账号，或不在您的管理范围内。"))
        else:
            try:
                _token, raw = services.apitoken_create(
                    by=request.user,  # type: ignore[arg-type]
                    user=holder,
                    name=form.cleaned_data["name"],
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, getattr(error, "messages", [str(error)]))
            else:
                response = _list(request, ApiTokenForm(), issued=raw)
                response["Cache-Control"] = "no-store"
                return response
    return _list(request, form)


@require_POST
@action_required(ACTION)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_for(viewer=request.user, pk=pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.apitoken_revoke(by=request.user, token=token, reason=reason)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已吊销令牌 %(name)s。") % {"name": token})
    return redirect("accounts:token_list")
