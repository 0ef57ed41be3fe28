"""Scope cases for the accounts pages (run by tests/test_every_page_scoped.py)."""

from __future__ import annotations

from typing import Any

from minzheng.accounts import services
from minzheng.accounts.models import ApiToken, OrgUnit, Role
from minzheng.divisions.models import Division
from tests.scope import make_scoped_user, scope_case

INSIDE, OUTSIDE = "500101", "500229"  # 万州区, 城口县


def _user_pk() -> dict[str, Any]:
    return {"pk": make_scoped_user(division=INSIDE, username="scope-subject").pk}


def _assignment_pk() -> dict[str, Any]:
    holder = make_scoped_user(["orgunit.view"], division=INSIDE)
    return {"pk": holder.assignments.get().pk}


def _role_pk() -> dict[str, Any]:
    role, _ = Role.objects.get_or_create(code="scope-case-role", defaults={"name": "范围测试角色"})
    return {"pk": role.pk}


def _unit() -> OrgUnit:
    unit, _ = OrgUnit.objects.get_or_create(
        code="scope-case-unit",
        defaults={
            "name": "范围测试机构甲",
            "kind": OrgUnit.Kind.CHARITY,
            "division": Division.objects.get(code=INSIDE),
        },
    )
    return unit


def _listed_user() -> None:
    make_scoped_user(division=INSIDE, username="listed").__class__.objects.filter(
        username="listed"
    ).update(full_name="范围测试用户甲")


def _token() -> ApiToken:
    holder = make_scoped_user(["orgunit.view"], division=INSIDE, username="token-holder")
    token, _raw = services.apitoken_create(by=None, user=holder, name="范围测试令牌")
    return token


MANAGE: dict[str, Any] = {"action": "user.manage", "inside": INSIDE, "outside": OUTSIDE}

CASES = [
    scope_case("web:home", action=None),
    scope_case("accounts:two_factor", action=None),
    scope_case("accounts:password_change", action=None),
    scope_case("accounts:user_list", **MANAGE, setup=_listed_user, shows="范围测试用户甲"),
    scope_case("accounts:user_create", action="user.manage", no_object=True),
    scope_case("accounts:user_detail", kwargs=_user_pk, **MANAGE),
    scope_case("accounts:user_edit", kwargs=_user_pk, **MANAGE),
    scope_case("accounts:user_password_reset", kwargs=_user_pk, **MANAGE),
    scope_case("accounts:user_deactivate", kwargs=_user_pk, method="post", expect=302, **MANAGE),
    scope_case("accounts:user_activate", kwargs=_user_pk, method="post", expect=302, **MANAGE),
    scope_case("accounts:user_totp_reset", kwargs=_user_pk, method="post", expect=302, **MANAGE),
    scope_case("accounts:user_unlock", kwargs=_user_pk, method="post", expect=302, **MANAGE),
    scope_case("accounts:assignment_create", kwargs=_user_pk, **MANAGE),
    scope_case(
        "accounts:assignment_close", kwargs=_assignment_pk, method="post", expect=302, **MANAGE
    ),
    scope_case("accounts:division_options", data={"q": "万州"}, shows="万州区", **MANAGE),
    scope_case("accounts:role_list", action="user.manage", no_object=True),
    scope_case("accounts:role_create", action="role.manage", inside="500000", outside=INSIDE),
    scope_case(
        "accounts:role_edit", kwargs=_role_pk, action="role.manage", inside="500000", outside=INSIDE
    ),
    scope_case(
        "accounts:orgunit_list",
        action="orgunit.view",
        inside=INSIDE,
        outside=OUTSIDE,
        setup=_unit,
        shows="范围测试机构甲",
    ),
    scope_case(
        "accounts:orgunit_detail",
        kwargs=lambda: {"pk": _unit().pk},
        action="orgunit.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case("accounts:orgunit_create", action="orgunit.manage", no_object=True),
    scope_case(
        "accounts:token_list",
        action="apitoken.manage",
        inside=INSIDE,
        outside=OUTSIDE,
        setup=_token,
        shows="范围测试令牌",
    ),
    scope_case(
        "accounts:token_create",
        action="apitoken.manage",
        no_object=True,
        method="post",
        data={"name": "x", "user": "nobody"},
    ),
    scope_case(
        "accounts:token_revoke",
        kwargs=lambda: {"pk": _token().pk},
        action="apitoken.manage",
        inside=INSIDE,
        outside=OUTSIDE,
        method="post",
        expect=302,
    ),
    scope_case("api:accounts_me", action=None),
]
