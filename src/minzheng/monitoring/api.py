"""Dynamic monitoring over the API: alerts (list, detail), screening runs, and the engine's
outcome for one registry household (every programme's determination, one programme's
explanation).

Same scope as the pages: alerts outside the caller's ``monitoring.view`` subtrees answer 404;
a caller without ``monitoring.view`` anywhere gets 404 from every alert and run endpoint. The
household endpoints have the registry's scope (``household.view``, as ``/api/registry/``).
Household numbers are shown; names and ID numbers never are.
"""

# No ``from __future__ import annotations`` here: ninja reads the schemas' annotations at import.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from minzheng.accounts.scope import can
from minzheng.monitoring import outcomes, selectors
from minzheng.monitoring.models import Alert, ScreeningRun
from minzheng.monitoring.selectors import VIEW_ACTION
from minzheng.registry import selectors as registry_selectors
from minzheng.registry.models import Household

router = Router(tags=["动态监测"])


def _user(request: HttpRequest, action: str = VIEW_ACTION) -> Any:
    """The caller (a token's user or the session's): 401 if none, 404 without ``action``."""
    auth = getattr(request, "auth", None)
    user = auth if getattr(auth, "is_authenticated", False) else getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise HttpError(401, "未登录")
    if not can(user, action):
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


# --- the engine's outcome for one registry household -------------------------------------------


class AsOfQuery(Schema):
    as_of: dt.date | None = None


class SubjectOut(Schema):
    person_id: int | None
    status: str
    status_label: str
    monthly_amount: Decimal | None
    reason_codes: list[str]
    reasons: list[str]
    unverified_parameters: list[str]


class DeterminationOut(Schema):
    programme: str
    label: str
    level: str
    cash: bool
    status: str
    status_label: str
    monthly_amount: Decimal | None
    reasons: list[str]
    unverified_parameters: list[str]
    subjects: list[SubjectOut]


class DeterminationsOut(Schema):
    household_number: str
    household_id: int
    as_of: dt.date
    parameters_from_seed: bool
    determinations: list[DeterminationOut]


class ValueOut(Schema):
    column: str
    label: str
    value: Any
    display: str


class ConditionOut(Schema):
    code: str
    label: str
    met: bool | None
    decisive: bool
    parameters: list[str]
    values: list[ValueOut]


class ExplainedSubjectOut(Schema):
    person_id: int | None
    status: str
    monthly_amount: Decimal | None
    reason_codes: list[str]
    detail: str | None
    conditions: list[ConditionOut]
    unverified_parameters: list[str]


class ParameterOut(Schema):
    name: str
    description: str
    unit: str
    value: Any
    known: bool
    division_code: str | None
    effective_from: dt.date | None
    effective_to: dt.date | None
    source: str
    article: str
    tag: str
    verified: bool
    note: str


class ExplanationOut(Schema):
    household_number: str
    programme: str
    label: str
    legal_basis: str
    as_of: dt.date
    household_id: int
    subjects: list[ExplainedSubjectOut]
    parameters: list[ParameterOut]
    inputs: dict[str, list[dict[str, Any]]]


def _household(request: HttpRequest, number: str) -> Household:
    user = _user(request, registry_selectors.VIEW_ACTION)
    return get_object_or_404(registry_selectors.households_visible(user), number=number)


def _outcome(
    household: Household, as_of: dt.date | None, programmes: tuple[str, ...] | None = None
) -> outcomes.HouseholdOutcome:
    if household.closed_at is not None:
        # As the page and ``minzheng explain``: a closed household is not evaluated.
        raise HttpError(409, f"家庭 {household.number} 已注销，不参与评估")
    return outcomes.household_outcome(
        household=household,
        as_of=as_of or timezone.localdate(),
        programmes=programmes,
        with_names=False,
    )


def _subject(subject: outcomes.SubjectOutcome) -> dict[str, Any]:
    return {
        "person_id": subject.person_id,
        "status": subject.status,
        "status_label": subject.status_label,
        "monthly_amount": subject.monthly_amount,
        "reason_codes": list(subject.reason_codes),
        "reasons": list(subject.reasons),
        "unverified_parameters": list(subject.unverified_parameters),
    }


@router.get(
    "/households/{number}/determinations",
    response=DeterminationsOut,
    summary="家庭各救助项目判定结论",
    url_name="monitoring_household_determinations",
)
def household_determinations(request: HttpRequest, number: str, query: Query[AsOfQuery]) -> Any:
    """Every programme's determination for one household in the caller's ``household.view``
    scope on ``as_of`` (default today): status (eligible / ineligible / unknown; ``none`` for a
    person programme with no member in its target group), the monthly total in yuan, reasons,
    unverified parameters, and per subject (household or member by ``person_id``). 404 out of
    scope."""
    household = _household(request, number)
    outcome = _outcome(household, query.as_of)
    return {
        "household_number": household.number,
        "household_id": household.pk,
        "as_of": outcome.as_of,
        "parameters_from_seed": outcome.from_seed,
        "determinations": [
            {
                "programme": p.programme,
                "label": p.label,
                "level": p.level,
                "cash": p.cash,
                "status": p.status,
                "status_label": p.status_label,
                "monthly_amount": p.monthly_amount,
                "reasons": list(p.reasons),
                "unverified_parameters": list(p.unverified_parameters),
                "subjects": [_subject(s) for s in p.subjects],
            }
            for p in outcome.programmes
        ],
    }


@router.get(
    "/households/{number}/explanations/{programme}",
    response=ExplanationOut,
    summary="家庭某救助项目判定说明",
    url_name="monitoring_household_explanation",
)
def household_explanation(
    request: HttpRequest, number: str, programme: str, query: Query[AsOfQuery]
) -> Any:
    """The engine's explanation of ``programme`` for one household on ``as_of`` (default today):
    each condition met or not with the values that decided it, each parameter with its
    document, article and date, each input record with its source (no names, no ID numbers).
    404 out of scope or for an unknown programme."""
    household = _household(request, number)
    if programme not in outcomes.PROGRAMMES:
        raise HttpError(404, f"未知的救助项目，可用：{'、'.join(outcomes.PROGRAMMES)}")
    outcome = _outcome(household, query.as_of, (programme,))
    return {"household_number": household.number, **outcome.explanation(programme).as_dict()}
