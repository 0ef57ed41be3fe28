"""What each role's home page shows: real figures for the scope the user works in.

``minzheng.web.selectors.home_context`` calls ``home_context`` here. The page is chosen by the
user's primary role (``accounts.selectors.HOME_ROLE_ORDER``): ``web/home_<role>.html``, or
``web/home.html`` for a role the platform did not seed. Everything shown is counted from the
database now — divisions, org units, users, and whatever other apps register as division
counters (households, persons …); nothing is estimated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Count
from django.utils.functional import Promise

from minzheng.accounts import selectors as account_selectors
from minzheng.accounts.models import RoleAssignment
from minzheng.accounts.scope import can
from minzheng.audit import selectors as audit_selectors
from minzheng.audit.models import AuditEvent
from minzheng.divisions import counters
from minzheng.divisions import selectors as division_selectors
from minzheng.divisions.models import Division

RECENT_EVENTS = 8
LEVEL_ORDER = ("county", "township", "village")


def _level_counts(division: Division) -> list[tuple[str, int]]:
    """(level label, current units) below ``division``."""
    rows = dict(
        division_selectors.subtree(division)
        .exclude(pk=division.pk)
        .values_list("level")
        .annotate(n=Count("id"))
        .order_by()
    )
    labels = dict(Division.Level.choices)
    return [(str(labels[level]), rows[level]) for level in LEVEL_ORDER if rows.get(level)]


def _area_counts(division: Division) -> dict[str, int]:
    """Urban and rural villages/communities under ``division`` (by their area type)."""
    rows = dict(
        division_selectors.subtree(division)
        .filter(level=Division.Level.VILLAGE)
        .values_list("area_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "urban": rows.get(Division.AreaType.URBAN, 0),
        "rural": rows.get(Division.AreaType.RURAL, 0),
    }


def _counter_labels() -> list[tuple[str, str | Promise]]:
    return [(spec.key, spec.label) for spec in counters.registered()]


def scope_summary(division: Division) -> dict[str, Any]:
    """The figures of one scope: units below it by level, org units by kind, counters."""
    totals = counters.subtree_totals([division.path]).get(division.path, {})
    return {
        "division": division,
        "ancestors": division_selectors.ancestors(division),
        "levels": _level_counts(division),
        "areas": _area_counts(division),
        "kinds": account_selectors.org_unit_kind_counts(path=division.path),
        "counters": [(label, totals.get(key, 0)) for key, label in _counter_labels()],
    }


def children_table(division: Division, *, limit: int = 60) -> dict[str, Any]:
    """The units one level below ``division``, each with its own children and counters."""
    rows = list(division_selectors.children(division)[:limit])
    child_counts = division_selectors.child_counts(rows)
    totals = counters.subtree_totals([d.path for d in rows]) if rows else {}
    keys = _counter_labels()
    return {
        "headers": [label for _key, label in keys],
        "rows": [
            {
                "division": d,
                "children": child_counts.get(d.pk, 0),
                "counts": [totals.get(d.path, {}).get(key, 0) for key, _label in keys],
            }
            for d in rows
        ],
    }


def _villages_per_county(city: Division) -> dict[str, int]:
    """Villages/communities per county-level code, from one pass over today's village paths."""
    paths = (
        division_selectors.subtree(city)
        .filter(level=Division.Level.VILLAGE)
        .values_list("path", flat=True)
    )
    return Counter(path.split("/")[1] for path in paths)


def _recent_events_of(user: Any) -> list[AuditEvent]:
    # A person's own trail: not gated by audit.view, which is about other people's actions.
    return list(AuditEvent.objects.filter(actor=user).order_by("-id")[:RECENT_EVENTS])


# --- per role ---------------------------------------------------------------------------------


def _local(user: Any, primary: RoleAssignment) -> dict[str, Any]:
    return {"children": children_table(primary.division)}


def _village(user: Any, primary: RoleAssignment) -> dict[str, Any]:
    return {}


def _city_department(user: Any, primary: RoleAssignment) -> dict[str, Any]:
    return {
        "departments": list(account_selectors.departments()),
        "business_line": primary.business_line,
        "children": children_table(primary.division),
    }


def _leadership(user: Any, primary: RoleAssignment) -> dict[str, Any]:
    city = division_selectors.city()
    table = children_table(city)
    villages = _villages_per_county(city)
    for row in table["rows"]:
        row["villages"] = villages.get(row["division"].code, 0)
    chart = {
        "names": [row["division"].name for row in table["rows"]],
        "villages": [row["villages"] for row in table["rows"]],
        "townships": [row["children"] for row in table["rows"]],
    }
    return {"city": scope_summary(city), "counties": table, "chart": chart}


def _admin(user: Any, primary: RoleAssignment) -> dict[str, Any]:
    return {
        "stats": account_selectors.account_stats(viewer=user),
        "locked": account_selectors.lockouts_for(viewer=user),
        "roles": list(account_selectors.roles()),
        "may_manage_tokens": can(user, "apitoken.manage"),
    }


def _auditor(user: Any, primary: RoleAssignment) -> dict[str, Any]:
    events = audit_selectors.events_for(user=user)
    pii = audit_selectors.events_for(
        user=user, filters=audit_selectors.EventFilters(action="pii.view")
    )
    return {
        "chain": audit_selectors.chain_status(),
        "events_in_scope": events.count(),
        "pii_views": pii.count(),
        "latest_in_scope": list(events[:RECENT_EVENTS]),
    }


def _partner(user: Any, primary: RoleAssignment) -> dict[str, Any]:
    return {"tokens": list(account_selectors.own_api_tokens(user))}


BUILDERS: dict[str, Callable[[Any, RoleAssignment], dict[str, Any]]] = {
    "village_helper": _village,
    "township_worker": _local,
    "county_officer": _local,
    "city_department": _city_department,
    "leadership": _leadership,
    "admin": _admin,
    "auditor": _auditor,
    "partner_agency": _partner,
    "social_org": _partner,
}


def home_context(*, user: Any) -> dict[str, Any]:
    """Context for ``user``'s home page: their scopes with real figures, and their role's data."""
    assignments: Sequence[RoleAssignment] = list(
        account_selectors.assignments_of(user, include_closed=False)
    )
    primary = account_selectors.primary_assignment(assignments)
    role_code = primary.role.code if primary is not None else ""
    summary = account_selectors.user_summary(user)
    context: dict[str, Any] = {
        "template": f"web/home_{role_code}.html" if role_code in BUILDERS else "web/home.html",
        "role_code": role_code,
        "primary": primary,
        "assignments": assignments,
        "other_assignments": [a for a in assignments if a is not primary],
        "org_unit": user.org_unit,
        "two_factor_required": summary["two_factor_required"],
        "two_factor_enrolled": summary["two_factor_enrolled"],
        "recent_events": _recent_events_of(user),
        # Leadership sees aggregates only: no per-scope drill-down on its home page.
        "scope": scope_summary(primary.division)
        if primary is not None and role_code != "leadership"
        else None,
    }
    if primary is not None and role_code in BUILDERS:
        context.update(BUILDERS[role_code](user, primary))
    return context
