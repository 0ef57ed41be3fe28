"""Signing in: password, then (for roles that ask) a TOTP code; changing one's password."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from minzheng.accounts import selectors, services
from minzheng.accounts.forms import ChangePasswordForm, LoginForm, TokenForm
from minzheng.accounts.middleware import needs_second_factor


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def security_settings() -> dict[str, Any]:
    """The rules users are told about on the sign-in pages."""
    return {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
    }


class LoginView(auth_views.LoginView):
    """Password sign-in; django-axes counts failures and locks the account name."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **security_settings()}

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        services.record_login(user=form.get_user())
        if needs_second_factor(self.request):
            return redirect(
                reverse("accounts:two_factor") + "?" + urlencode({"next": self.get_success_url()})
            )
        return response


class LogoutView(auth_views.LogoutView):
    next_page = "accounts:login"


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify a TOTP code; without a confirmed authenticator, enrol one first."""
    user = request.user
    next_url = _safe_next(request)
    if user.is_verified():  # type: ignore[union-attr]
        return HttpResponseRedirect(next_url)
    enrolled = selectors.has_confirmed_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        if enrolled:
            device = services.totp_verify(user=user, token=token)  # type: ignore[arg-type]
        else:
            device = services.totp_confirm(user=user, token=token)  # type: ignore[arg-type]
        if device is not None:
            otp_login(request, device)
            services.record_login(user=user, two_factor=True)  # type: ignore[arg-type]
            if not enrolled:
                messages.success(request, _("验证器已绑定。以后登录时请输入验证器上的验证码。"))
            return HttpResponseRedirect(next_url)
        form.add_error("token", _("验证码不正确或已使用过，请等下一个验证码出现后再试。"))
    context: dict[str, Any] = {
        "form": form,
        "next": next_url,
        "enrolled": enrolled,
        "required": selectors.two_factor_required(user),
    }
    if not enrolled:
        _device, secret, uri = services.totp_enrol(user=user)  # type: ignore[arg-type]
        qr = segno.make(uri, error="m")
        context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        # segno writes the SVG from our own otpauth URI; nothing user-supplied goes in raw.
        context["qr_svg"] = mark_safe(qr.svg_inline(scale=5, dark="#1f2937"))
    return render(request, "accounts/two_factor.html", context)


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password, with the password rules shown."""
    form = ChangePasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_set_password(
            by=request.user,  # type: ignore[arg-type]
            user=request.user,  # type: ignore[arg-type]
            password=form.cleaned_data["new_password1"],
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("密码已修改。"))
        return redirect("web:home")
    return render(request, "accounts/password_change.html", {"form": form, "rules": form.rules()})
