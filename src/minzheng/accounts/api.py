"""Accounts API: who am I (user, org unit, roles and scopes)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from minzheng.accounts import selectors

router = Router(tags=["机构与用户"])


class OrgUnitOut(Schema):
    code: str
    name: str
    kind: str
    division_code: str
    division_name: str


class ScopeOut(Schema):
    role: str
    role_name: str
    division_code: str
    division_name: str
    business_line: str
    actions: list[str]


class MeOut(Schema):
    username: str
    full_name: str
    org_unit: OrgUnitOut | None
    scopes: list[ScopeOut]
    two_factor_required: bool


@router.get("/me", response=MeOut, url_name="accounts_me", summary="当前调用者")
def me(request: HttpRequest) -> MeOut:
    """The calling user (by token or session): org unit, and each role with its scope."""
    summary = selectors.user_summary(request.auth)  # type: ignore[attr-defined]
    unit = summary["org_unit"]
    return MeOut(
        username=summary["username"],
        full_name=summary["full_name"],
        org_unit=None
        if unit is None
        else OrgUnitOut(
            code=unit.code,
            name=unit.name,
            kind=unit.kind,
            division_code=unit.division.code,
            division_name=unit.division.name,
        ),
        scopes=[
            ScopeOut(
                role=a.role.code,
                role_name=a.role.name,
                division_code=a.division.code,
                division_name=a.division.name,
                business_line=a.business_line,
                actions=list(a.role.actions),
            )
            for a in summary["assignments"]
        ],
        two_factor_required=summary["two_factor_required"],
    )
