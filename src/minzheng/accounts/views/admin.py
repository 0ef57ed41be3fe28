"""Administration pages: users, role assignments, roles and org units (not Django admin).

Every page needs ``user.manage`` (roles: ``role.manage`` over the whole city; org units:
``orgunit.view`` / ``orgunit.manage``) and every query is narrowed with ``restrict``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.accounts import selectors, services
from minzheng.accounts.decorators import action_required, city_wide_required
from minzheng.accounts.forms import (
    AssignmentForm,
    OrgUnitFilterForm,
    OrgUnitForm,
    ReasonForm,
    RoleForm,
    SetPasswordForm,
    UserFilterForm,
    UserForm,
)
from minzheng.accounts.scope import can, can_city_wide
from minzheng.divisions.models import Division

MANAGE = "user.manage"
PER_PAGE = 50


def _page(request: HttpRequest, items: QuerySet[Any]) -> Any:
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


def _add_errors(form: Any, error: ValidationError) -> None:
    """Show a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _querystring(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _division_in_scope(viewer: Any, code: str, action: str) -> Division | None:
    found = selectors.divisions_for(viewer=viewer, q=code, action=action, limit=2)
    return next((d for d in found if d.code == code), None)


# --- users --------------------------------------------------------------------------------------


@action_required(MANAGE)
def user_list(request: HttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = selectors.users_for(
        viewer=request.user,
        q=filters.get("q", ""),
        org_unit=filters.get("org_unit", ""),
        role=filters.get("role", ""),
        active=filters.get("active", ""),
    ).prefetch_related("assignments__role")
    page = _page(request, users)
    locked = {lock.username for lock, _user in selectors.lockouts_for(viewer=request.user)}
    return render(
        request,
        "accounts/user_list.html",
        {"form": form, "page": page, "locked": locked, "querystring": _querystring(request)},
    )


@action_required(MANAGE)
def user_create(request: HttpRequest) -> HttpResponse:
    org_units = selectors.org_units_for(viewer=request.user, action=MANAGE)
    form = UserForm(request.POST or None, org_units=org_units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                by=request.user,  # type: ignore[arg-type]
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                org_unit=data["org_unit"],
                phone=data["phone"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("已创建用户 %(name)s，请为其添加角色授权。") % {"name": user}
            )
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@action_required(MANAGE)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_for(viewer=request.user, pk=pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "summary": selectors.user_summary(user),
            "assignments": selectors.assignments_of(user),
            "lock": selectors.lockout_of(user.username),
            "assignment_form": AssignmentForm(),
            "reason_form": ReasonForm(),
        },
    )


@action_required(MANAGE)
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_for(viewer=request.user, pk=pk)
    org_units = selectors.org_units_for(viewer=request.user, action=MANAGE)
    initial = {
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone,
        "org_unit": user.org_unit,
    }
    form = UserForm(request.POST or None, initial=initial, org_units=org_units, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                by=request.user,  # type: ignore[arg-type]
                user=user,
                full_name=data["full_name"],
                org_unit=data["org_unit"],
                phone=data["phone"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request, "accounts/user_form.html", {"form": form, "creating": False, "subject": user}
    )


@require_POST
@action_required(MANAGE)
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_for(viewer=request.user, pk=pk)
    if user.pk == request.user.pk:
        messages.error(request, _("不能停用自己的账号。"))
    else:
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.user_deactivate(by=request.user, user=user, reason=reason)  # type: ignore[arg-type]
        messages.success(request, _("已停用 %(name)s。") % {"name": user})
    return redirect("accounts:user_detail", pk=user.pk)


@require_POST
@action_required(MANAGE)
def user_activate(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_for(viewer=request.user, pk=pk)
    services.user_activate(by=request.user, user=user)  # type: ignore[arg-type]
    messages.success(request, _("已启用 %(name)s。") % {"name": user})
    return redirect("accounts:user_detail", pk=user.pk)


@action_required(MANAGE)
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_for(viewer=request.user, pk=pk)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                by=request.user,  # type: ignore[arg-type]
                user=user,
                password=form.cleaned_data["password"],
            )
        except ValidationError as error:
            form.add_error("password", error.messages)
        else:
            messages.success(
                request, _("已重置 %(name)s 的密码，请当面或电话告知本人。") % {"name": user}
            )
            return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request,
        "accounts/password_reset.html",
        {"form": form, "subject": user, "rules": list(password_validators_help_texts())},
    )


@require_POST
@action_required(MANAGE)
def user_totp_reset(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_for(viewer=request.user, pk=pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.totp_reset(by=request.user, user=user, reason=reason)  # type: ignore[arg-type]
    messages.success(
        request, _("已解除 %(name)s 的验证器绑定，下次登录时须重新绑定。") % {"name": user}
    )
    return redirect("accounts:user_detail", pk=user.pk)


@require_POST
@action_required(MANAGE)
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_for(viewer=request.user, pk=pk)
    services.user_unlock(by=request.user, user=user)  # type: ignore[arg-type]
    messages.success(request, _("已解除 %(name)s 的登录锁定。") % {"name": user})
    return redirect("accounts:user_detail", pk=user.pk)


# --- role assignments ---------------------------------------------------------------------------


@action_required(MANAGE)
def assignment_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_for(viewer=request.user, pk=pk)
    form = AssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        division = _division_in_scope(request.user, form.division_code(), MANAGE)
        if division is None:
            form.add_error("division", _("找不到该区划，或不在您的管理范围内。"))
        else:
            try:
                services.assignment_create(
                    by=request.user,  # type: ignore[arg-type]
                    user=user,
                    role=form.cleaned_data["role"],
                    division=division,
                    business_line=form.cleaned_data["business_line"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            except PermissionDenied:
                form.add_error("division", _("您无权在该区划授权。"))
            else:
                messages.success(request, _("已添加授权。"))
                return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/assignment_form.html", {"form": form, "subject": user})


@require_POST
@action_required(MANAGE)
def assignment_close(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_for(viewer=request.user, pk=pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.assignment_close(
            by=request.user,  # type: ignore[arg-type]
            assignment=assignment,
            reason=reason,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已收回授权。"))
    return redirect("accounts:user_detail", pk=assignment.user_id)


@action_required(MANAGE)
def division_options(request: HttpRequest) -> HttpResponse:
    """``<option>``s for the division picker: codes and names in the viewer's scope."""
    action = request.GET.get("for", MANAGE)
    if action not in (MANAGE, "orgunit.manage"):
        action = MANAGE
    # The picker sends its own value under its field name ("division"); "q" also works.
    text = request.GET.get("q") or request.GET.get("division", "")
    found = selectors.divisions_for(viewer=request.user, q=text, action=action)
    return render(request, "accounts/_division_options.html", {"divisions": found})


# --- roles --------------------------------------------------------------------------------------


@action_required(MANAGE)
def role_list(request: HttpRequest) -> HttpResponse:
    roles = [
        {"role": role, "labels": selectors.action_labels(role.actions)}
        for role in selectors.roles()
    ]
    return render(
        request,
        "accounts/role_list.html",
        {"roles": roles, "may_edit": can_city_wide(request.user, "role.manage")},
    )


@city_wide_required("role.manage")
def role_create(request: HttpRequest) -> HttpResponse:
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            role = services.role_create(
                by=request.user,  # type: ignore[arg-type]
                code=data["code"],
                name=data["name"],
                description=data["description"],
                actions=data["actions"],
                requires_two_factor=data["requires_two_factor"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已创建角色 %(name)s。") % {"name": role})
            return redirect("accounts:role_list")
    return render(request, "accounts/role_form.html", {"form": form, "creating": True})


@city_wide_required("role.manage")
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    role = selectors.role_for(pk=pk)
    initial = {
        "code": role.code,
        "name": role.name,
        "description": role.description,
        "actions": role.actions,
        "requires_two_factor": role.requires_two_factor,
    }
    form = RoleForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.role_update(
                by=request.user,  # type: ignore[arg-type]
                role=role,
                name=data["name"],
                description=data["description"],
                actions=data["actions"],
                requires_two_factor=data["requires_two_factor"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("已保存角色 %(name)s，持有人下次操作时生效。") % {"name": role}
            )
            return redirect("accounts:role_list")
    return render(
        request, "accounts/role_form.html", {"form": form, "creating": False, "role": role}
    )


# --- org units ----------------------------------------------------------------------------------


@action_required("orgunit.view")
def orgunit_list(request: HttpRequest) -> HttpResponse:
    form = OrgUnitFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    units = selectors.org_units_for(
        viewer=request.user,
        q=filters.get("q", ""),
        kind=filters.get("kind", ""),
        division=filters.get("division", ""),
    )
    return render(
        request,
        "accounts/orgunit_list.html",
        {
            "form": form,
            "page": _page(request, units),
            "querystring": _querystring(request),
            "may_create": can(request.user, "orgunit.manage"),
        },
    )


@action_required("orgunit.view")
def orgunit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.org_unit_for(viewer=request.user, pk=pk)
    children = selectors.org_units_for(viewer=request.user).filter(parent=unit)
    users: Any = None
    if can(request.user, MANAGE):
        users = selectors.users_for(viewer=request.user).filter(org_unit=unit)
    return render(
        request,
        "accounts/orgunit_detail.html",
        {"unit": unit, "children": children[:200], "child_count": children.count(), "users": users},
    )


@action_required("orgunit.manage")
def orgunit_create(request: HttpRequest) -> HttpResponse:
    form = OrgUnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        division = _division_in_scope(request.user, form.division_code(), "orgunit.manage")
        if division is None:
            form.add_error("division", _("找不到该区划，或不在您的管理范围内。"))
        else:
            try:
                unit = services.orgunit_create(
                    by=request.user,  # type: ignore[arg-type]
                    code=data["code"],
                    name=data["name"],
                    kind=data["kind"],
                    division=division,
                    business_line=data["business_line"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("已新增机构 %(name)s。") % {"name": unit})
                return redirect("accounts:orgunit_detail", pk=unit.pk)
    return render(request, "accounts/orgunit_form.html", {"form": form})
