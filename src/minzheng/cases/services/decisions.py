"""The county's steps: the decision (amount from the engine), the refusal notice, returning a case,
gradual exit, stopping payment; and what a decision does to the registry and to the case a
re-check replaces.

An approval records the household's enrolments in the registry (so that the nightly screening
knows it is enrolled), schedules the next re-check by household type, and creates the first
month's payment. Ending a case ends those enrolments.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from minzheng.audit.services import record_event
from minzheng.cases import limits, workflow
from minzheng.cases.assessment import Assessment, assess_household
from minzheng.cases.models import Case, Referral
from minzheng.cases.services._common import add_months, month_start, subject_key
from minzheng.cases.services.payments import payment_create
from minzheng.registry import selectors as registry_selectors
from minzheng.registry import services as registry_services

S = Case.Status
# Members who can work make a household's income irregular: 16–59, not severely disabled, and
# not recorded as having no work capacity. (Age bounds of working age, not a policy amount.)
WORKING_AGE = (16, 59)
SEVERE_GRADES = (1, 2)


def household_is_stable(household: Any, on: dt.date) -> bool:
    """Whether the household's situation is stable (elderly, severely disabled, no one who can
    work): re-checked yearly; otherwise every six months (the months are parameters)."""
    for membership in registry_selectors.counted_members(household, on):
        person = membership.person
        age = registry_selectors.age_on(person.birth_date, on)
        can_work = (
            WORKING_AGE[0] <= age <= WORKING_AGE[1]
            and person.disability_grade not in SEVERE_GRADES
            and person.work_capacity != "none"
        )
        if can_work:
            return False
    return True


def next_recheck(household: Any, on: dt.date) -> dt.date:
    """The re-check date for a household approved on ``on``, by household type."""
    name = limits.RECHECK_STABLE if household_is_stable(household, on) else limits.RECHECK_IRREGULAR
    return add_months(on, limits.limit(name, on).required())


def _members_by_id(household: Any, on: dt.date) -> dict[int, Any]:
    return {m.person_id: m.person for m in registry_selectors.recorded_members(household, on)}


def _record_enrolments(case: Case, assessment: Assessment, day: dt.date) -> None:
    """Record each approved programme as an enrolment in the registry (the system enters it)."""
    people = _members_by_id(case.household, day)
    for result in assessment.eligible:
        if result.people:
            for person_id, amount in result.people:
                registry_services.fact_record(
                    by=None,
                    kind="enrolment",
                    person=people.get(person_id),
                    household=case.household,
                    values={
                        "programme": result.programme,
                        "start_date": day,
                        "monthly_amount": amount,
                    },
                )
        else:
            registry_services.fact_record(
                by=None,
                kind="enrolment",
                person=None,
                household=case.household,
                values={
                    "programme": result.programme,
                    "start_date": day,
                    "monthly_amount": result.monthly_amount,
                },
            )


def _end_enrolments(case: Case, day: dt.date) -> int:
    """End the enrolments ``case`` recorded (same slot, with an end date). Returns how many."""
    if case.decided_on is None or case.decision != Case.Decision.APPROVED:
        return 0
    programmes = [p["programme"] for p in case.approved_programmes]
    ended = 0
    standing = registry_selectors.household_facts(case.household, "enrolment").filter(
        programme__in=programmes, start_date=case.decided_on, end_date__isnull=True
    )
    for enrolment in standing.select_related("person"):
        registry_services.fact_record(
            by=None,
            kind="enrolment",
            person=enrolment.person,
            household=case.household,
            values={
                "programme": enrolment.programme,
                "start_date": enrolment.start_date,
                "end_date": max(day, enrolment.start_date),
                "monthly_amount": enrolment.monthly_amount,
            },
        )
        ended += 1
    return ended


def _transfer_referrals(*, source: Case, target: Case, by: Any) -> int:
    """Move the open referrals of a replaced case to the case that replaces it (audited)."""
    moved = 0
    for referral in source.referrals.filter(status__in=Referral.OPEN_STATUSES):
        referral.case = target
        referral.full_clean()
        referral.save(update_fields=["case"])
        record_event(
            actor=by,
            action="referral.transfer",
            obj=referral,
            before={"case": source.number},
            after={"case": target.number},
            reason="复核后转入新案件",
            division_code=target.division.code,
            subject_key=subject_key(target.household),
        )
        moved += 1
    return moved


def _close_previous(case: Case, *, by: Any, day: dt.date, gradual_exit: bool) -> None:
    """After a re-check decision, the case it re-checked ends (or enters gradual exit)."""
    previous = case.previous_case
    if previous is None:
        return
    previous.refresh_from_db()
    if previous.status not in (S.IN_PAYMENT, S.EXITING, S.FOLLOW_UP):
        return
    _transfer_referrals(source=previous, target=case, by=by)
    if case.decision == Case.Decision.APPROVED:
        workflow.apply_transition(
            case=previous,
            name="supersede",
            by=None,
            expected_version=previous.version,
            reason=f"复核后由案件 {case.number} 接续",
            changes={"closed_on": day, "close_reason": f"复核后由案件 {case.number} 接续"},
            on=day,
        )
        _end_enrolments(previous, day)
    elif gradual_exit and previous.status == S.IN_PAYMENT:
        case_start_exit(
            case=previous,
            by=None,
            expected_version=previous.version,
            reason=f"复核（案件 {case.number}）不再符合条件，进入渐退期",
            on=day,
        )
    else:
        case_stop_payment(
            case=previous,
            by=None,
            expected_version=previous.version,
            reason=f"复核（案件 {case.number}）不再符合条件，停止发放",
            on=day,
        )


def case_decide(
    *,
    case: Case,
    by: Any,
    expected_version: int,
    decision: str,
    reasons: str,
    gradual_exit: bool = False,
    on: dt.date | None = None,
) -> Case:
    """The county decision (审核确认): the engine evaluates the household with the parameters in
    force on the day; approval takes its programmes and monthly amount, with the explanation
    attached; refusal needs written reasons and starts the refusal-notice limit.

    ``gradual_exit`` (re-checks refused because a member found work) puts the re-checked case
    into gradual exit instead of stopping it — only when the parameter has a value.
    """
    day = on or timezone.localdate()
    if decision not in Case.Decision.values:
        raise ValidationError({"decision": "请选择审核确认结果。"})
    if case.status != S.COUNTY_DECISION:
        raise workflow.IllegalTransition("案件不在待审核确认状态。")
    # The engine runs before the transaction: the write lock is held for the writes only.
    assessment = assess_household(household=case.household, as_of=day)
    with transaction.atomic():
        return _decide(
            case=case,
            by=by,
            expected_version=expected_version,
            decision=decision,
            reasons=reasons,
            gradual_exit=gradual_exit,
            day=day,
            assessment=assessment,
        )


def _decide(
    *,
    case: Case,
    by: Any,
    expected_version: int,
    decision: str,
    reasons: str,
    gradual_exit: bool,
    day: dt.date,
    assessment: Assessment,
) -> Case:
    common = {
        "decision": decision,
        "decided_on": day,
        "decided_by": by if getattr(by, "pk", None) else None,
        "decision_reasons": reasons.strip(),
        "explanation": assessment.as_dict(),
    }
    if decision == Case.Decision.REFUSED:
        decided = workflow.apply_transition(
            case=case,
            name="refuse",
            by=by,
            expected_version=expected_version,
            reason=reasons,
            changes={**common, "approved_programmes": [], "monthly_amount": None},
            on=day,
        )
        _close_previous(decided, by=by, day=day, gradual_exit=gradual_exit)
        return decided

    if not assessment.eligible:
        raise ValidationError(
            "按当日政策参数测算，该家庭不符合任何救助项目，不能予以救助；"
            "如情况有变，请先更新家庭信息或退回乡镇补充调查。"
        )
    if not assessment.amount_known:
        unknown = "、".join(p.label for p in assessment.monthly if p.monthly_amount is None)
        raise ValidationError(f"{unknown}的金额无法测算（所需参数尚未设置数值），暂不能予以救助。")
    amount = assessment.monthly_amount
    changes = {
        **common,
        "monthly_amount": amount,
        "approved_programmes": [p.as_dict() for p in assessment.eligible],
        "next_recheck_on": next_recheck(case.household, day),
    }
    if amount > Decimal("0"):
        changes["payment_start_month"] = month_start(day)
        name = "approve"
    else:
        name = "approve_without_payment"
    decided = workflow.apply_transition(
        case=case,
        name=name,
        by=by,
        expected_version=expected_version,
        reason=reasons,
        changes=changes,
        data={
            "monthly_amount": str(amount),
            "programmes": [p.programme for p in assessment.eligible],
        },
        on=day,
    )
    # The re-checked case ends first, so that an enrolment restated the same day stands.
    _close_previous(decided, by=by, day=day, gradual_exit=False)
    _record_enrolments(decided, assessment, day)
    if amount > Decimal("0"):
        payment_create(case=decided, month=month_start(day), by=by)
    return decided


def case_return_to_township(
    *, case: Case, by: Any, expected_version: int, reason: str, on: dt.date | None = None
) -> Case:
    """The county sends the case back for further investigation (with the reasons)."""
    return workflow.apply_transition(
        case=case,
        name="return_to_township",
        by=by,
        expected_version=expected_version,
        reason=reason,
        on=on,
    )


def case_notify_refusal(
    *, case: Case, by: Any, expected_version: int, on: dt.date | None = None
) -> Case:
    """The refusal notice (不予救助告知书) was issued: the case ends, or waits for its referrals."""
    day = on or timezone.localdate()
    open_referrals = case.referrals.filter(status__in=Referral.OPEN_STATUSES).exists()
    name = "notify_refusal_follow_up" if open_referrals else "notify_refusal"
    changes: dict[str, Any] = {"refusal_notified_on": day}
    if not open_referrals:
        changes.update({"closed_on": day, "close_reason": "不予救助，已书面告知"})
    return workflow.apply_transition(
        case=case, name=name, by=by, expected_version=expected_version, changes=changes, on=day
    )


def case_start_exit(
    *, case: Case, by: Any, expected_version: int, reason: str, on: dt.date | None = None
) -> Case:
    """Gradual exit (渐退): payment continues for the parameter's months, then stops."""
    day = on or timezone.localdate()
    months = limits.limit(limits.GRADUAL_EXIT, day)
    ends = add_months(month_start(day), months.value) if months.value is not None else None
    return workflow.apply_transition(
        case=case,
        name="start_exit",
        by=by,
        expected_version=expected_version,
        reason=reason,
        changes={"exit_ends_on": ends},
        data={"months": months.value},
        on=day,
    )


def case_stop_payment(
    *, case: Case, by: Any, expected_version: int, reason: str, on: dt.date | None = None
) -> Case:
    """Stop payment and close the case (exit); its enrolments end in the registry."""
    day = on or timezone.localdate()
    closed = workflow.apply_transition(
        case=case,
        name="stop_payment",
        by=by,
        expected_version=expected_version,
        reason=reason,
        changes={"closed_on": day, "close_reason": reason.strip()[:300]},
        on=day,
    )
    _end_enrolments(closed, day)
    return closed


def case_finish_follow_up(
    *, case: Case, by: Any, expected_version: int, reason: str, on: dt.date | None = None
) -> Case:
    """Follow-up done (every referral answered): the case is closed."""
    day = on or timezone.localdate()
    closed = workflow.apply_transition(
        case=case,
        name="finish_follow_up",
        by=by,
        expected_version=expected_version,
        reason=reason,
        changes={"closed_on": day, "close_reason": reason.strip()[:300]},
        on=day,
    )
    _end_enrolments(closed, day)
    return closed
