"""The township's steps: open a case, accept it (or list what is missing, once, in full), the
economic check, the home visit, the first review and the public notice.

Each step is one call of ``workflow.apply_transition`` with the fields the step records; the
caller passes the ``expected_version`` it showed the worker, so that two people acting at once
cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.audit.services import record_event
from minzheng.cases import limits, workflow
from minzheng.cases.assessment import CASE_PROGRAMMES
from minzheng.cases.models import Case
from minzheng.cases.services._common import ensure_may, subject_key

WORK = workflow.WORK
# A case in one of these statuses is still being decided: the household has no second one.
PROCEDURE_STATUSES = tuple(
    s
    for s in Case.Status.values
    if s
    not in (Case.Status.CLOSED, Case.Status.IN_PAYMENT, Case.Status.FOLLOW_UP, Case.Status.EXITING)
)


def open_case_of(household: Any) -> Case | None:
    """The household's case still in procedure (accept … decision), if any."""
    return Case.objects.filter(household=household, status__in=PROCEDURE_STATUSES).first()


def _number(division: Any, year: int, attempt: int) -> str:
    township = division.code[:9]
    prefix = f"{township}-{year}-"
    last = (
        Case.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq + attempt:04d}"


def _clean_programmes(programmes: Iterable[str] | None) -> list[str]:
    chosen = [p for p in (programmes or []) if p]
    unknown = sorted(set(chosen) - set(CASE_PROGRAMMES))
    if unknown:
        raise ValidationError({"programmes": f"未知的救助项目：{'、'.join(unknown)}"})
    # One-stop: nothing chosen means every programme is assessed.
    return [p for p in CASE_PROGRAMMES if p in chosen] or list(CASE_PROGRAMMES)


def case_open(
    *,
    household: Any,
    by: Any,
    origin: str = Case.Origin.WINDOW,
    programmes: Iterable[str] | None = None,
    origin_note: str = "",
    applicant_phone: str = "",
    alert_id: int | None = None,
    previous_case: Case | None = None,
) -> Case:
    """Open a case for ``household`` (status registered). One case in procedure per household."""
    if origin not in Case.Origin.values:
        raise ValidationError({"origin": f"未知的案件来源：{origin}"})
    if household.closed_at is not None:
        raise ValidationError("该家庭档案已注销，不能受理申请。")
    ensure_may(by, WORK, household.division)
    chosen = _clean_programmes(programmes)
    existing = open_case_of(household)
    if existing is not None:
        raise ValidationError(f"该家庭已有在办案件 {existing.number}，请在该案件中办理。")
    year = timezone.localdate().year
    for attempt in range(5):
        try:
            with transaction.atomic():
                case = Case(
                    number=_number(household.division, year, attempt),
                    household=household,
                    division=household.division,
                    origin=origin,
                    origin_note=origin_note.strip()[:200],
                    alert_id=alert_id,
                    previous_case=previous_case,
                    programmes=chosen,
                    applicant_phone=applicant_phone.strip(),
                    opened_by=by if getattr(by, "pk", None) else None,
                )
                case.full_clean()
                case.save()
                workflow.record_opening(case=case, by=by)
                record_event(
                    actor=by,
                    action="case.open",
                    obj=case,
                    after={
                        "number": case.number,
                        "household": household.number,
                        "origin": origin,
                        "programmes": chosen,
                    },
                    reason=case.origin_note,
                    division_code=household.division.code,
                    subject_key=subject_key(household),
                )
                return case
        except IntegrityError:
            if open_case_of(household) is not None:
                raise ValidationError("该家庭已有在办案件，请在该案件中办理。") from None
            continue  # two numbers drawn at once: draw the next one
    raise ValidationError("案件编号生成冲突，请重试。")


def case_request_documents(
    *, case: Case, by: Any, expected_version: int, missing: Sequence[str], note: str = ""
) -> Case:
    """The file is incomplete: record every missing document, said once and in full."""
    items = [m.strip() for m in missing if m and m.strip()]
    return workflow.apply_transition(
        case=case,
        name="request_documents",
        by=by,
        expected_version=expected_version,
        reason=note,
        changes={"missing_documents": items},
        data={"missing_documents": items},
    )


def case_accept(*, case: Case, by: Any, expected_version: int, on: dt.date | None = None) -> Case:
    """Accept the application: the 30-working-day clock and the means-test limit start."""
    day = on or timezone.localdate()
    return workflow.apply_transition(
        case=case,
        name="accept",
        by=by,
        expected_version=expected_version,
        changes={"accepted_on": day},
        on=day,
    )


def case_start_check(
    *, case: Case, by: Any, expected_version: int, on: dt.date | None = None
) -> Case:
    """Start the economic check (家庭经济状况核对): meets the means-test start limit."""
    day = on or timezone.localdate()
    return workflow.apply_transition(
        case=case,
        name="start_check",
        by=by,
        expected_version=expected_version,
        changes={"check_started_on": day},
        on=day,
    )


def case_finish_check(
    *, case: Case, by: Any, expected_version: int, summary: str, on: dt.date | None = None
) -> Case:
    """The check is done (the signed authorisation must be on file): on to the home visit."""
    return workflow.apply_transition(
        case=case,
        name="finish_check",
        by=by,
        expected_version=expected_version,
        changes={"check_summary": summary.strip()},
        on=on,
    )


def case_finish_visit(
    *,
    case: Case,
    by: Any,
    expected_version: int,
    notes: str,
    visited_on: dt.date,
    on: dt.date | None = None,
) -> Case:
    """Record the home visit (notes; photos and documents are uploaded beside) and move on."""
    day = on or timezone.localdate()
    if visited_on > day:
        raise ValidationError({"visited_on": "入户日期不能晚于今天。"})
    return workflow.apply_transition(
        case=case,
        name="finish_visit",
        by=by,
        expected_version=expected_version,
        changes={"visit_notes": notes.strip(), "visited_on": visited_on},
        on=day,
    )


def case_review(
    *,
    case: Case,
    by: Any,
    expected_version: int,
    opinion: str,
    recommendation: str,
    reason: str = "",
    on: dt.date | None = None,
) -> Case:
    """The township's first review: recommend approval (posts the public notice) or refusal
    (goes to the county with the reasons)."""
    day = on or timezone.localdate()
    if recommendation == Case.Recommendation.APPROVE:
        days = limits.limit(limits.PUBLIC_NOTICE_DAYS, day).required()
        return workflow.apply_transition(
            case=case,
            name="post_notice",
            by=by,
            expected_version=expected_version,
            reason=reason,
            changes={
                "review_opinion": opinion.strip(),
                "recommendation": recommendation,
                "notice_starts_on": day,
                "notice_ends_on": day + dt.timedelta(days=days),
            },
            data={"notice_days": days},
            on=day,
        )
    if recommendation == Case.Recommendation.REFUSE:
        return workflow.apply_transition(
            case=case,
            name="recommend_refusal",
            by=by,
            expected_version=expected_version,
            reason=reason,
            changes={"review_opinion": opinion.strip(), "recommendation": recommendation},
            on=day,
        )
    raise ValidationError({"recommendation": "请选择初审结论。"})


def case_end_notice(
    *,
    case: Case,
    by: Any,
    expected_version: int,
    objections: str = "",
    on: dt.date | None = None,
) -> Case:
    """The notice period is over without objections that change the outcome: to the county."""
    return workflow.apply_transition(
        case=case,
        name="end_notice",
        by=by,
        expected_version=expected_version,
        changes={"notice_objections": objections.strip()},
        on=on,
    )


def case_reinvestigate(
    *, case: Case, by: Any, expected_version: int, reason: str, on: dt.date | None = None
) -> Case:
    """An objection during the notice: back to the home visit, with the objection as reason."""
    return workflow.apply_transition(
        case=case,
        name="reinvestigate",
        by=by,
        expected_version=expected_version,
        reason=reason,
        changes={"notice_objections": reason.strip()},
        on=on,
    )


def case_withdraw(
    *, case: Case, by: Any, expected_version: int, reason: str, on: dt.date | None = None
) -> Case:
    """End the procedure before a decision: the applicant withdrew, or it is not admissible."""
    day = on or timezone.localdate()
    return workflow.apply_transition(
        case=case,
        name="withdraw",
        by=by,
        expected_version=expected_version,
        reason=reason,
        changes={"closed_on": day, "close_reason": reason.strip()[:300]},
        on=day,
    )


def case_extend(*, case: Case, by: Any, expected_version: int, reason: str) -> Case:
    """Extend the whole procedure from 30 to 45 working days (a recorded reason is required).

    Not a status change: the case's version still moves on, so a stale page cannot undo it.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "延长办理期限须说明理由。"})
    with transaction.atomic():
        current = Case.objects.select_for_update(of=("self",)).select_related(
            "division", "household__head"
        )
        fresh = current.get(pk=case.pk)
        if fresh.version != expected_version:
            raise workflow.Conflict(
                "办理冲突：该案件已被他人更新，您的操作没有保存。您填写的内容已保留，请核对后再提交。",
                current=fresh,
            )
        ensure_may(by, workflow.DECIDE, fresh.division)
        if fresh.extended:
            raise ValidationError("该案件已延长过办理期限。")
        overall = fresh.deadlines.filter(kind="overall", met_on__isnull=True).first()
        if overall is None:
            raise ValidationError("该案件没有正在计算的全程办理期限，无需延长。")
        fresh.extended = True
        fresh.extension_reason = reason[:300]
        fresh.version = expected_version + 1
        fresh.full_clean()
        fresh.save(update_fields=["extended", "extension_reason", "version"])
        before_due = overall.due_on
        workflow.extend_overall(deadline=overall, reason=reason)
        record_event(
            actor=by,
            action="case.extend",
            obj=fresh,
            before={"due_on": before_due, "version": expected_version},
            after={"due_on": overall.due_on, "version": fresh.version},
            reason=reason,
            division_code=fresh.division.code,
            subject_key=subject_key(fresh.household),
        )
    case.__dict__.update({k: v for k, v in fresh.__dict__.items() if not k.startswith("_")})
    return fresh
