"""Reads of dynamic monitoring. Every alert query goes through ``restrict``.

Screening runs cover the whole city and hold only counts: anyone holding ``monitoring.view``
anywhere may read them; the alerts a run raised are shown through the reader's scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from minzheng.accounts.scope import can, restrict
from minzheng.engine.programmes import BY_NAME
from minzheng.monitoring import outcomes
from minzheng.monitoring.models import Alert, HardshipReport, ScreeningRun
from minzheng.registry.models import Household

VIEW_ACTION = "monitoring.view"
RUN_ACTION = "monitoring.run"
HANDLE_ACTION = "alert.handle"
REPORT_ACTION = "report.create"


# --- alerts -------------------------------------------------------------------------------------


def alerts_visible(user: Any, action: str = VIEW_ACTION) -> QuerySet[Alert]:
    """Alerts in ``user``'s scope under ``action``."""
    return restrict(Alert.objects.all(), user, action)


@dataclass(frozen=True)
class AlertFilters:
    kind: str = ""
    status: str = "active"  # "active" (open + in verification), "" (all) or one status
    division: str = ""  # a division code: alerts at or under it
    overdue: bool = False


def alert_list(
    *, user: Any, filters: AlertFilters, today: dt.date | None = None
) -> QuerySet[Alert]:
    """The township worklist: alerts in scope, filtered, by deadline (then score)."""
    day = today or timezone.localdate()
    alerts = alerts_visible(user).select_related("household", "division", "station")
    if filters.kind:
        alerts = alerts.filter(kind=filters.kind)
    if filters.status == "active":
        alerts = alerts.filter(status__in=Alert.OPEN_STATUSES)
    elif filters.status:
        alerts = alerts.filter(status=filters.status)
    if filters.division:
        code = filters.division
        alerts = alerts.filter(
            Q(scope_path__contains=f"/{code}/") | Q(scope_path__startswith=f"{code}/")
        )
    if filters.overdue:
        alerts = alerts.filter(status__in=Alert.OPEN_STATUSES, deadline__lt=day)
    return alerts.order_by("deadline", "-score", "id")


def alert_counts(*, user: Any, today: dt.date | None = None) -> dict[str, int]:
    """Open alerts in scope by kind, and how many are overdue (the worklist's header)."""
    day = today or timezone.localdate()
    open_alerts = alerts_visible(user).filter(status__in=Alert.OPEN_STATUSES)
    row = open_alerts.aggregate(
        total=Count("id"),
        overdue=Count("id", filter=Q(deadline__lt=day)),
        discovery=Count("id", filter=Q(kind=Alert.Kind.DISCOVERY)),
        exit_review=Count("id", filter=Q(kind=Alert.Kind.EXIT_REVIEW)),
        risk=Count("id", filter=Q(kind=Alert.Kind.RISK)),
    )
    return {k: int(v or 0) for k, v in row.items()}


def alert_for(*, user: Any, pk: int, action: str = VIEW_ACTION) -> Alert:
    """One alert in the user's scope; 404 otherwise."""
    return get_object_or_404(
        alerts_visible(user, action).select_related(
            "household__head",
            "division__parent__parent",
            "station",
            "first_seen_run",
            "last_seen_run",
            "verification_started_by",
            "resolved_by",
        ),
        pk=pk,
    )


def alert_reports(alert: Alert) -> list[HardshipReport]:
    return list(alert.reports.select_related("reported_by", "division").order_by("created_at"))


def alerts_of_household(household: Household) -> QuerySet[Alert]:
    """Every alert of a household, newest first (the caller fetched the household in scope)."""
    return Alert.objects.filter(household=household).order_by("-created_at")


# --- the engine's view of one household -----------------------------------------------------------


@dataclass(frozen=True)
class DeterminationRow:
    programme: str
    label: str
    person_id: int | None
    person_name: str
    status: str
    status_label: str
    monthly_amount: Any
    reason_codes: list[str]
    unverified: list[str]


def determination_rows(outcome: outcomes.HouseholdOutcome) -> list[DeterminationRow]:
    """The engine's determinations of one household, a row per programme and subject."""
    return [
        DeterminationRow(
            programme=p.programme,
            label=p.label,
            person_id=s.person_id,
            person_name=s.person_name,
            status=s.status,
            status_label=s.status_label,
            monthly_amount=s.monthly_amount,
            reason_codes=list(s.reason_codes),
            unverified=list(s.unverified_parameters),
        )
        for p in outcome.programmes
        for s in p.subjects
    ]


# --- runs ---------------------------------------------------------------------------------------


def runs_visible(user: Any) -> QuerySet[ScreeningRun]:
    """Every run for a holder of ``monitoring.view``; 404 for anyone else."""
    if not can(user, VIEW_ACTION):
        raise Http404
    return ScreeningRun.objects.select_related("requested_by", "previous").order_by("-pk")


def run_for(*, user: Any, pk: int) -> ScreeningRun:
    return get_object_or_404(runs_visible(user), pk=pk)


def run_chart(runs: list[ScreeningRun]) -> dict[str, Any]:
    """Alerts created, updated and closed per run (oldest first), for the runs page's chart."""
    ordered = list(reversed(runs))
    return {
        "labels": [f"#{r.pk} {r.as_of:%m-%d}" for r in ordered],
        "created": [r.alerts_created_total for r in ordered],
        "updated": [r.alerts_updated_total for r in ordered],
        "closed": [r.alerts_closed_total for r in ordered],
    }


def programme_label(code: str) -> str:
    """The Chinese name of an engine programme (the code when unknown)."""
    programme = BY_NAME.get(code)
    return programme.label if programme is not None else code


def run_counts(run: ScreeningRun) -> list[tuple[str, dict[str, int]]]:
    """Subjects per programme and status, with the programmes' Chinese names."""
    return [(programme_label(code), counts) for code, counts in sorted(run.counts.items())]


def run_changes(run: ScreeningRun) -> list[tuple[str, int, int]]:
    """(programme name, newly eligible, no longer eligible) compared with the previous run."""
    new = run.comparison.get("newly_eligible") or {}
    gone = run.comparison.get("no_longer_eligible") or {}
    return [
        (programme_label(code), int(new.get(code, 0)), int(gone.get(code, 0)))
        for code in sorted(set(new) | set(gone))
    ]


def run_alerts_in_scope(*, user: Any, run: ScreeningRun) -> dict[str, int]:
    """Alerts of ``run`` the reader may see: first raised by it, and still open."""
    visible = alerts_visible(user)
    return {
        "raised": visible.filter(first_seen_run=run).count(),
        "open": visible.filter(first_seen_run=run, status__in=Alert.OPEN_STATUSES).count(),
    }
