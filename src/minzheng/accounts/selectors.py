"""Reads for accounts: who must use two factors, lockouts, and the administration lists.

Every list of users, assignments, org units and tokens goes through ``restrict``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts.models import ApiToken, OrgUnit, Role, RoleAssignment, User
from minzheng.accounts.permissions import ACTIONS
from minzheng.accounts.scope import restrict
from minzheng.divisions import counters
from minzheng.divisions import selectors as division_selectors
from minzheng.divisions.models import Division

MANAGE = "user.manage"


# --- signing in ---------------------------------------------------------------------------------


def two_factor_required(user: Any) -> bool:
    """Whether ``user`` must pass a TOTP check: a superuser, or a holder of a role that asks."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = user.__dict__.get("_two_factor_required")
    if cached is None:
        cached = (
            bool(user.is_superuser)
            or RoleAssignment.objects.filter(
                user=user, closed_at__isnull=True, role__requires_two_factor=True
            ).exists()
        )
        user.__dict__["_two_factor_required"] = cached
    return bool(cached)


def has_confirmed_device(user: Any) -> bool:
    """Whether ``user`` has finished TOTP enrolment."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@dataclass(frozen=True)
class Lockout:
    """An account name locked after repeated failed sign-ins, and when it may try again."""

    username: str
    failures: int
    last_failure: datetime
    retry_at: datetime


def _cool_off() -> Any:
    return settings.AXES_COOLOFF_TIME


def lockouts(*, usernames: Sequence[str] | None = None) -> list[Lockout]:
    """Account names locked right now (failures at the limit within the cool-off period)."""
    since = timezone.now() - _cool_off()
    rows = AccessAttempt.objects.filter(attempt_time__gte=since, username__isnull=False)
    if usernames is not None:
        rows = rows.filter(username__in=list(usernames))
    grouped = (
        rows.values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    return [
        Lockout(
            username=row["username"],
            failures=row["failures"],
            last_failure=row["last"],
            retry_at=row["last"] + _cool_off(),
        )
        for row in grouped
    ]


def lockout_of(username: str) -> Lockout | None:
    """The lockout of ``username`` if it is locked now."""
    found = lockouts(usernames=[username]) if username else []
    return found[0] if found else None


def lockouts_for(*, viewer: Any) -> list[tuple[Lockout, User | None]]:
    """Locked account names with their user, for users inside the viewer's scope."""
    locked = lockouts()
    users = {
        u.username: u
        for u in restrict(User.objects.select_related("org_unit"), viewer, MANAGE).filter(
            username__in=[lock.username for lock in locked]
        )
    }
    return [(lock, users[lock.username]) for lock in locked if lock.username in users]


# --- users --------------------------------------------------------------------------------------


def users_for(
    *,
    viewer: Any,
    q: str = "",
    org_unit: str = "",
    role: str = "",
    active: str = "",
) -> QuerySet[User]:
    """The users the viewer manages, filtered by text, org unit code, role code and status."""
    users = restrict(User.objects.select_related("org_unit", "org_unit__division"), viewer, MANAGE)
    if q := q.strip():
        users = users.filter(
            Q(username__icontains=q) | Q(full_name__icontains=q) | Q(phone__icontains=q)
        )
    if org_unit := org_unit.strip():
        users = users.filter(Q(org_unit__code=org_unit) | Q(org_unit__name__icontains=org_unit))
    if role:
        users = users.filter(
            assignments__role__code=role, assignments__closed_at__isnull=True
        ).distinct()
    if active == "1":
        users = users.filter(is_active=True)
    elif active == "0":
        users = users.filter(is_active=False)
    return users.order_by("org_unit__division__path", "username")


def user_for(*, viewer: Any, pk: int) -> User:
    """One user the viewer manages; 404 outside their scope."""
    return get_object_or_404(
        restrict(User.objects.select_related("org_unit", "org_unit__division"), viewer, MANAGE),
        pk=pk,
    )


def assignments_of(user: User, *, include_closed: bool = True) -> QuerySet[RoleAssignment]:
    """The user's role assignments, open ones first."""
    qs = user.assignments.select_related("role", "division")
    if not include_closed:
        qs = qs.filter(closed_at__isnull=True)
    return qs.order_by("closed_at", "-created_at")


def assignment_for(*, viewer: Any, pk: int) -> RoleAssignment:
    """One role assignment inside the viewer's scope; 404 otherwise."""
    return get_object_or_404(
        restrict(RoleAssignment.objects.select_related("user", "role", "division"), viewer, MANAGE),
        pk=pk,
    )


def user_summary(user: User) -> dict[str, Any]:
    """What a user is: name, org unit, roles with their scopes (for the API and home page)."""
    open_assignments = assignments_of(user, include_closed=False)
    return {
        "username": user.username,
        "full_name": user.full_name,
        "org_unit": user.org_unit,
        "assignments": list(open_assignments),
        "two_factor_required": two_factor_required(user),
        "two_factor_enrolled": has_confirmed_device(user),
    }


# --- roles --------------------------------------------------------------------------------------


def roles() -> QuerySet[Role]:
    """Every role, with how many open assignments hold it."""
    return Role.objects.annotate(
        holders=Count("assignments", filter=Q(assignments__closed_at__isnull=True))
    ).order_by("code")


def role_for(*, pk: int) -> Role:
    """One role; 404 if unknown."""
    return get_object_or_404(Role, pk=pk)


def action_labels(actions: Sequence[str]) -> list[str]:
    """The Chinese labels of ``actions``, in the order of ACTIONS; unknown codes as they are."""
    known = [str(ACTIONS[a]) for a in ACTIONS if a in actions]
    return known + [a for a in actions if a not in ACTIONS]


# --- org units ----------------------------------------------------------------------------------


def org_units_for(
    *,
    viewer: Any,
    action: str = "orgunit.view",
    q: str = "",
    kind: str = "",
    division: str = "",
    include_closed: bool = False,
) -> QuerySet[OrgUnit]:
    """The org units in the viewer's scope for ``action``, filtered by text, kind, division."""
    units = restrict(
        OrgUnit.objects.select_related("division", "parent"),
        viewer,
        action,
    )
    if not include_closed:
        units = units.filter(closed_at__isnull=True)
    if q := q.strip():
        units = units.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if kind:
        units = units.filter(kind=kind)
    if division := division.strip():
        try:
            place = division_selectors.get_by_code(division)
        except Division.DoesNotExist:
            return units.none()
        units = units.filter(division__path__startswith=place.path)
    return units


def org_unit_for(*, viewer: Any, pk: int, action: str = "orgunit.view") -> OrgUnit:
    """One org unit inside the viewer's scope; 404 otherwise."""
    return get_object_or_404(
        restrict(OrgUnit.objects.select_related("division", "parent"), viewer, action), pk=pk
    )


def org_unit_by_code(code: str) -> OrgUnit:
    """The org unit with ``code`` (seeded codes: ``county-bureau-500101``, ``station-…``)."""
    return OrgUnit.objects.select_related("division").get(code=code)


def divisions_for(*, viewer: Any, q: str, action: str = MANAGE, limit: int = 20) -> list[Division]:
    """Today's divisions in the viewer's scope whose code starts with, or name holds, ``q``."""
    within = restrict(division_selectors.subtree(division_selectors.city()), viewer, action)
    return division_selectors.search(q, within=within, limit=limit)


# --- API tokens ---------------------------------------------------------------------------------


def token_hash(raw: str) -> str:
    """The SHA-256 (hex) under which a token is stored and looked up."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def api_token_for_key(raw: str) -> ApiToken | None:
    """The live token whose text is ``raw`` (not revoked, its user active), else None."""
    if not raw:
        return None
    return (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(raw.strip()), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def api_tokens_for(*, viewer: Any, include_revoked: bool = True) -> QuerySet[ApiToken]:
    """The tokens of users inside the viewer's ``apitoken.manage`` scope, newest first."""
    tokens = restrict(
        ApiToken.objects.select_related("user", "user__org_unit", "created_by"),
        viewer,
        "apitoken.manage",
    )
    if not include_revoked:
        tokens = tokens.filter(revoked_at__isnull=True)
    return tokens.order_by("revoked_at", "-created_at")


def api_token_for(*, viewer: Any, pk: int) -> ApiToken:
    """One token inside the viewer's scope; 404 otherwise."""
    return get_object_or_404(api_tokens_for(viewer=viewer), pk=pk)


def user_by_username(*, viewer: Any, username: str, action: str = MANAGE) -> User | None:
    """The active user called ``username`` inside the viewer's scope for ``action``."""
    return (
        restrict(User.objects.select_related("org_unit__division"), viewer, action)
        .filter(username=username.strip(), is_active=True)
        .first()
    )


# --- audit event names -------------------------------------------------------------------------

# Chinese names of the events the accounts services write (other codes are shown as they are).
EVENT_LABELS: dict[str, str | Promise] = {
    "user.create": _("新增用户"),
    "user.update": _("修改用户"),
    "user.deactivate": _("停用用户"),
    "user.activate": _("启用用户"),
    "user.password_set": _("设置密码"),
    "user.login": _("登录"),
    "user.login_two_factor": _("登录（双因素验证）"),
    "user.totp_enrol": _("开始绑定验证器"),
    "user.totp_confirm": _("绑定验证器"),
    "user.totp_reset": _("重置验证器"),
    "user.unlock": _("解除登录锁定"),
    "role.create": _("新增角色"),
    "role.update": _("修改角色权限"),
    "role_assignment.create": _("授权"),
    "role_assignment.close": _("收回授权"),
    "role_assignment.rehome": _("授权随区划调整"),
    "orgunit.create": _("新增机构"),
    "orgunit.close": _("撤销机构"),
    "orgunit.seed": _("初始化机构"),
    "orgunit.rehome": _("机构随区划调整"),
    "apitoken.create": _("签发接口令牌"),
    "apitoken.revoke": _("吊销接口令牌"),
}


def event_label(action: str) -> str:
    """The Chinese name of an audit event code written by accounts, else the code itself."""
    label = EVENT_LABELS.get(action)
    return str(label) if label is not None else action


# --- home pages -------------------------------------------------------------------------------

# When a user holds several roles, the home page is the one of the first role in this order.
HOME_ROLE_ORDER = (
    "admin",
    "auditor",
    "leadership",
    "city_department",
    "county_officer",
    "township_worker",
    "village_helper",
    "partner_agency",
    "social_org",
)


def primary_assignment(assignments: Sequence[RoleAssignment]) -> RoleAssignment | None:
    """The assignment whose role decides the home page (see ``HOME_ROLE_ORDER``)."""
    rank = {code: i for i, code in enumerate(HOME_ROLE_ORDER)}
    ordered = sorted(assignments, key=lambda a: (rank.get(a.role.code, len(rank)), a.pk))
    return ordered[0] if ordered else None


def org_unit_kind_counts(*, path: str) -> list[tuple[str, int]]:
    """(kind label, open units) for the org units under division ``path``, in kind order."""
    rows = dict(
        OrgUnit.objects.filter(closed_at__isnull=True, division__path__startswith=path)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(str(label), rows[kind]) for kind, label in OrgUnit.Kind.choices if rows.get(kind)]


def departments() -> QuerySet[OrgUnit]:
    """The city bureau's departments and affiliated units, open ones, by business line."""
    return OrgUnit.objects.filter(
        kind__in=[OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.AFFILIATED_UNIT], closed_at__isnull=True
    ).order_by("kind", "business_line", "name")


def own_api_tokens(user: User) -> QuerySet[ApiToken]:
    """The live tokens that act as ``user`` (a partner system's account)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


@dataclass(frozen=True)
class AccountStats:
    """What an administrator manages, counted inside their scope."""

    users: int
    active_users: int
    roles: int
    open_assignments: int
    two_factor_missing: int
    live_tokens: int


def account_stats(*, viewer: Any) -> AccountStats:
    """Users, roles, open grants, users who owe a TOTP enrolment, live tokens — in scope."""
    users = restrict(User.objects.all(), viewer, MANAGE)
    must_enrol = (
        users.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(assignments__closed_at__isnull=True, assignments__role__requires_two_factor=True)
        )
        .exclude(pk__in=TOTPDevice.objects.filter(confirmed=True).values("user_id"))
        .distinct()
    )
    return AccountStats(
        users=users.count(),
        active_users=users.filter(is_active=True).count(),
        roles=Role.objects.count(),
        open_assignments=restrict(
            RoleAssignment.objects.filter(closed_at__isnull=True), viewer, MANAGE
        ).count(),
        two_factor_missing=must_enrol.count(),
        live_tokens=restrict(
            ApiToken.objects.filter(revoked_at__isnull=True), viewer, MANAGE
        ).count(),
    )


# --- counts per division (registered with the division browser) ---------------------------------


def count_org_units_by_path(prefixes: Sequence[str]) -> dict[str, int]:
    """Open org units at each division path under ``prefixes``."""
    return counters.count_by_path(
        OrgUnit.objects.filter(closed_at__isnull=True), "division__path", prefixes
    )


def count_users_by_path(prefixes: Sequence[str]) -> dict[str, int]:
    """Active users at each division path (of their org unit) under ``prefixes``."""
    return counters.count_by_path(
        User.objects.filter(is_active=True), "org_unit__division__path", prefixes
    )
