"""The cases API (/api/cases/): cases in scope, and referrals for the receiving unit's systems.

Same scope rules as the pages: out of scope is 404. A partner system answers a referral with
``POST /api/cases/referrals/{id}/answer`` and the version it read; a stale version gets 409.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from minzheng.accounts.scope import can
from minzheng.cases import selectors as case_selectors
from minzheng.cases import services, workflow
from minzheng.cases.models import Case, Referral

router = Router(tags=["cases"])


def _user(request: HttpRequest, action: str) -> Any:
    """The caller (a token's user or the session's): 401 if none, 404 without ``action``."""
    auth = getattr(request, "auth", None)
    user = auth if getattr(auth, "is_authenticated", False) else getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise HttpError(401, "未登录")
    if not can(user, action):
        raise HttpError(404, "Not Found")
    return user


class DeadlineOut(Schema):
    kind: str
    due_on: dt.date
    met_on: dt.date | None
    working_days: int


class CaseOut(Schema):
    number: str
    status: str
    status_label: str
    origin: str
    household: str
    village: str
    programmes: list[str]
    version: int
    accepted_on: dt.date | None
    decision: str
    monthly_amount: Decimal | None
    deadlines: list[DeadlineOut]


class ReferralOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    need: str
    due_on: dt.date
    sent_at: dt.datetime
    outcome: str
    version: int
    case: str
    head_name: str
    village: str
    to_org_unit: str


class AnswerIn(Schema):
    action: str
    version: int
    text: str = ""


def _case_out(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "origin": case.origin,
        "household": case.household.number,
        "village": case.division.code,
        "programmes": list(case.programmes),
        "version": case.version,
        "accepted_on": case.accepted_on,
        "decision": case.decision,
        "monthly_amount": case.monthly_amount,
        "deadlines": [
            {"kind": d.kind, "due_on": d.due_on, "met_on": d.met_on, "working_days": d.working_days}
            for d in case.deadlines.all()
        ],
    }


def _referral_out(referral: Referral) -> dict[str, Any]:
    head = referral.case.household.head
    return {
        "id": referral.pk,
        "kind": referral.kind,
        "kind_label": str(referral.get_kind_display()),
        "status": referral.status,
        "status_label": str(referral.get_status_display()),
        "need": referral.need,
        "due_on": referral.due_on,
        "sent_at": referral.sent_at,
        "outcome": referral.outcome,
        "version": referral.version,
        "case": referral.case.number,
        "head_name": head.name if head else "",
        "village": referral.case.division.code,
        "to_org_unit": referral.to_org_unit.code,
    }


@router.get("/", response=list[CaseOut], url_name="cases_list")
def list_cases(request: HttpRequest, status: str = "", limit: int = 100) -> list[dict[str, Any]]:
    """Cases in the caller's scope (case.view), newest first; ``status`` filters."""
    cases = case_selectors.cases_visible(_user(request, case_selectors.VIEW)).prefetch_related(
        "deadlines"
    )
    if status:
        cases = cases.filter(status=status)
    return [_case_out(c) for c in cases.order_by("-opened_at")[: max(1, min(limit, 500))]]


@router.get("/referrals/", response=list[ReferralOut], url_name="cases_referrals")
def list_referrals(
    request: HttpRequest, open_only: bool = True, limit: int = 200
) -> list[dict[str, Any]]:
    """Referrals addressed to the caller's unit (referral.answer), nearest deadline first."""
    user = _user(request, case_selectors.ANSWER)
    referrals = case_selectors.referrals_to_answer(user)
    if open_only:
        referrals = referrals.filter(status__in=Referral.OPEN_STATUSES)
    return [_referral_out(r) for r in referrals.order_by("due_on")[: max(1, min(limit, 1000))]]


@router.get("/referrals/{referral_id}", response=ReferralOut, url_name="cases_referral")
def get_referral(request: HttpRequest, referral_id: int) -> dict[str, Any]:
    """One referral addressed to the caller's unit."""
    user = _user(request, case_selectors.ANSWER)
    referral = get_object_or_404(case_selectors.referrals_to_answer(user), pk=referral_id)
    return _referral_out(referral)


@router.post(
    "/referrals/{referral_id}/answer", response=ReferralOut, url_name="cases_referral_answer"
)
def answer_referral(request: HttpRequest, referral_id: int, payload: AnswerIn) -> dict[str, Any]:
    """Accept, start, finish (``text`` = outcome) or decline (``text`` = reason) a referral."""
    user = _user(request, case_selectors.ANSWER)
    referral = get_object_or_404(case_selectors.referrals_to_answer(user), pk=referral_id)
    if payload.action not in {
        t.name for t in workflow.REFERRAL_TRANSITIONS.values() if t.action == workflow.ANSWER
    }:
        raise HttpError(400, f"未知的办理操作：{payload.action}")
    try:
        answered = services.referral_act(
            referral=referral,
            by=user,
            name=payload.action,
            expected_version=payload.version,
            text=payload.text,
        )
    except workflow.Conflict as exc:
        raise HttpError(409, exc.messages[0]) from None
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages)) from None
    return _referral_out(answered)


@router.get("/{number}", response=CaseOut, url_name="cases_detail")
def get_case(request: HttpRequest, number: str) -> dict[str, Any]:
    """One case in the caller's scope."""
    case = get_object_or_404(
        case_selectors.cases_visible(_user(request, case_selectors.VIEW)), number=number
    )
    return _case_out(case)
