"""Dynamic monitoring over the API: alerts (list, detail) and screening runs.

Same scope as the pages: alerts outside the caller's ``monitoring.view`` subtrees answer 404;
a caller without ``monitoring.view`` anywhere gets 404 from every endpoint. Household numbers are
shown; ID numbers never are.
"""

# No ``from __future__ import annotations`` here: ninja reads the schemas' annotations at import.
import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from minzheng.accounts.scope import can
from minzheng.monitoring import selectors
from minzheng.monitoring.models import Alert, ScreeningRun
from minzheng.monitoring.selectors import VIEW_ACTION

router = Router(tags=["动态监测"])


def _user(request: HttpRequest) -> Any:
    auth = getattr(request, "auth", None)
    user = auth if getattr(auth, "is_authenticated", False) else getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise HttpError(401, "未登录")
    if not can(user, VIEW_ACTION):
        raise HttpError(404, "Not Found")
    return user


class AlertQuery(Schema):
    kind: str = ""
    status: str = "active"
    division: str = ""
    overdue: bool = False


class ReasonOut(Schema):
    code: str
    text: str


class AlertOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    source: str
    household_number: str | None
    division_code: str
    division_name: str
    station: str | None
    programmes: list[str]
    score: int
    reasons: list[ReasonOut]
    raised_on: dt.date
    deadline: dt.date
    overdue: bool
    first_seen_run: int | None
    last_seen_run: int | None
    case_id: int | None
    resolution_reason: str


def _alert(alert: Alert, today: dt.date) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "kind_label": alert.get_kind_display(),
        "status": alert.status,
        "status_label": alert.get_status_display(),
        "source": alert.source,
        "household_number": alert.household.number if alert.household else None,
        "division_code": alert.division.code,
        "division_name": alert.division.name,
        "station": alert.station.name if alert.station else None,
        "programmes": list(alert.programmes),
        "score": alert.score,
        "reasons": [
            {"code": str(r.get("code", "")), "text": str(r.get("text", ""))} for r in alert.reasons
        ],
        "raised_on": alert.raised_on,
        "deadline": alert.deadline,
        "overdue": alert.is_overdue(today),
        "first_seen_run": alert.first_seen_run_id,
        "last_seen_run": alert.last_seen_run_id,
        "case_id": alert.case_id,
        "resolution_reason": alert.resolution_reason,
    }


class _Alerts:
    """Paginates the alerts, then turns the page into rows."""

    def __init__(self, alerts: Any, today: dt.date) -> None:
        self.alerts = alerts
        self.today = today

    def count(self) -> int:
        return int(self.alerts.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [_alert(a, self.today) for a in self.alerts[item]]


@router.get(
    "/alerts", response=list[AlertOut], summary="预警清单", url_name="monitoring_alert_list"
)
@paginate(PageNumberPagination, page_size=50)
def alert_list(request: HttpRequest, filters: Query[AlertQuery]) -> Any:
    """Alerts in the caller's scope, by deadline: ``status`` "active" (default: open and in
    verification), "" (all) or one status; ``kind``; ``division`` (a code: at or under it);
    ``overdue``."""
    user = _user(request)
    alerts = selectors.alert_list(
        user=user,
        filters=selectors.AlertFilters(
            kind=filters.kind,
            status=filters.status,
            division=filters.division,
            overdue=filters.overdue,
        ),
    )
    return _Alerts(alerts, timezone.localdate())


@router.get(
    "/alerts/{alert_id}",
    response=AlertOut,
    summary="预警详情",
    url_name="monitoring_alert_detail",
)
def alert_detail(request: HttpRequest, alert_id: int) -> Any:
    """One alert in the caller's scope (404 otherwise)."""
    user = _user(request)
    return _alert(selectors.alert_for(user=user, pk=alert_id), timezone.localdate())


class RunOut(Schema):
    id: int
    as_of: dt.date
    trigger: str
    status: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    duration_seconds: float | None
    timings: dict[str, float]
    parameters_digest: str
    population: dict[str, int]
    counts: dict[str, dict[str, int]]
    alerts_created: dict[str, int]
    alerts_updated: dict[str, int]
    alerts_closed: dict[str, int]
    previous: int | None
    comparison: dict[str, Any]
    error: str


def _run(run: ScreeningRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "as_of": run.as_of,
        "trigger": run.trigger,
        "status": run.status,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_seconds": run.duration_seconds,
        "timings": run.timings,
        "parameters_digest": run.parameters_digest,
        "population": run.population,
        "counts": run.counts,
        "alerts_created": run.alerts_created,
        "alerts_updated": run.alerts_updated,
        "alerts_closed": run.alerts_closed,
        "previous": run.previous_id,
        "comparison": run.comparison,
        "error": run.error,
    }


@router.get("/runs", response=list[RunOut], summary="监测评估记录", url_name="monitoring_run_list")
@paginate(PageNumberPagination, page_size=20)
def run_list(request: HttpRequest) -> Any:
    """Screening runs, newest first (city-wide counts)."""
    user = _user(request)
    return [_run(r) for r in selectors.runs_visible(user)[:200]]


@router.get(
    "/runs/{run_id}", response=RunOut, summary="监测评估详情", url_name="monitoring_run_detail"
)
def run_detail(request: HttpRequest, run_id: int) -> Any:
    user = _user(request)
    return _run(selectors.run_for(user=user, pk=run_id))
