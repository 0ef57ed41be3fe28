"""The case and referral state machines: one table of legal transitions each, one function each
that applies a transition.

``apply_transition`` is the only code that changes ``Case.status``; ``apply_referral_transition``
the only code that changes ``Referral.status``. Each checks, in one transaction:

1. the transition exists and the current status is one of its sources (else ``IllegalTransition``);
2. the actor holds the transition's action over the object (``restrict``; the system acts with
   ``by=None``);
3. the version the actor saw is still current (else ``Conflict``: someone acted first);
4. the reason, when the transition needs one, and the transition's guards;

then saves the new status and fields, bumps ``version``, writes the event row (who, when,
from → to, why), opens and meets deadlines, and appends an audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.scope import restrict
from minzheng.audit.services import record_event, to_json_value
from minzheng.cases import limits
from minzheng.cases.alerts import close_alerts_of
from minzheng.cases.models import (
    Case,
    CaseDeadline,
    CaseDocument,
    CaseEvent,
    Referral,
    ReferralEvent,
)
from minzheng.web import workdays

S = Case.Status
D = CaseDeadline.Kind
R = Referral.Status

WORK = "case.work"
DECIDE = "case.decide"
ANSWER = "referral.answer"


class IllegalTransition(ValidationError):
    """The transition does not exist or does not start from the current status."""


class Conflict(ValidationError):
    """Someone else changed the object since the actor loaded it (optimistic concurrency)."""

    def __init__(self, message: str, *, current: Any) -> None:
        super().__init__(message)
        self.current = current


# A guard looks at the case as it would be after the transition and returns an error or None.
Guard = Callable[[Case, dt.date], "str | None"]


def _no_open_referrals(case: Case, day: dt.date) -> str | None:
    n = case.referrals.filter(status__in=Referral.OPEN_STATUSES).count()
    if n:
        return f"本案件尚有 {n} 项转介未反馈办理结果，不能办结；请待接收单位答复或撤回转介。"
    return None


def _has_authorisation(case: Case, day: dt.date) -> str | None:
    if not case.documents.filter(
        kind=CaseDocument.Kind.AUTHORISATION, closed_at__isnull=True
    ).exists():
        return "请先上传家庭成员签字的家庭经济状况核对授权书。"
    return None


def _has_missing_list(case: Case, day: dt.date) -> str | None:
    if not [d for d in case.missing_documents if str(d).strip()]:
        return "请一次性列明需补齐的全部材料。"
    return None


def _has_visit_notes(case: Case, day: dt.date) -> str | None:
    if not case.visit_notes.strip():
        return "请填写入户调查记录。"
    return None


def _has_review(case: Case, day: dt.date) -> str | None:
    if not case.review_opinion.strip():
        return "请填写初审意见。"
    return None


def _notice_over(case: Case, day: dt.date) -> str | None:
    if case.notice_ends_on is None or day < case.notice_ends_on:
        ends = date_format(case.notice_ends_on, "Y年n月j日") if case.notice_ends_on else "—"
        return f"公示期至 {ends} 结束，期满后方可报区县审核确认。"
    return None


def _gradual_exit_set(case: Case, day: dt.date) -> str | None:
    if limits.limit(limits.GRADUAL_EXIT, day).value is None:
        return "渐退期参数（dibao.gradual_exit.months）尚未设置数值，暂不适用渐退。"
    return None


@dataclass(frozen=True)
class Transition:
    """A legal status change: from any of ``sources`` to ``target``, by whoever holds ``action``."""

    name: str
    label: str | Promise
    sources: tuple[str, ...]
    target: str
    action: str
    needs_reason: bool = False
    guards: tuple[Guard, ...] = ()
    opens: tuple[str, ...] = ()  # deadline kinds started (or restarted) by this transition
    meets: tuple[str, ...] = ()  # deadline kinds this transition fulfils


_BEFORE_NOTICE = (
    S.REGISTERED,
    S.AWAITING_DOCUMENTS,
    S.ACCEPTED,
    S.CHECKING,
    S.VISITING,
    S.TOWNSHIP_REVIEW,
    S.PUBLIC_NOTICE,
)

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "request_documents",
            _("一次性告知需补齐的材料"),
            (S.REGISTERED,),
            S.AWAITING_DOCUMENTS,
            WORK,
            guards=(_has_missing_list,),
        ),
        Transition(
            "accept",
            _("受理"),
            (S.REGISTERED, S.AWAITING_DOCUMENTS),
            S.ACCEPTED,
            WORK,
            opens=(D.MEANS_TEST_START, D.OVERALL),
        ),
        Transition(
            "start_check",
            _("开始家庭经济状况核对"),
            (S.ACCEPTED,),
            S.CHECKING,
            WORK,
            meets=(D.MEANS_TEST_START,),
        ),
        Transition(
            "finish_check",
            _("核对完成，转入户调查"),
            (S.CHECKING,),
            S.VISITING,
            WORK,
            guards=(_has_authorisation,),
        ),
        Transition(
            "finish_visit",
            _("入户调查完成，转乡镇初审"),
            (S.VISITING,),
            S.TOWNSHIP_REVIEW,
            WORK,
            guards=(_has_visit_notes,),
        ),
        Transition(
            "post_notice",
            _("初审通过，张榜公示"),
            (S.TOWNSHIP_REVIEW,),
            S.PUBLIC_NOTICE,
            WORK,
            guards=(_has_review,),
        ),
        Transition(
            "recommend_refusal",
            _("初审不通过，报区县审核确认"),
            (S.TOWNSHIP_REVIEW,),
            S.COUNTY_DECISION,
            WORK,
            needs_reason=True,
            guards=(_has_review,),
            opens=(D.DECISION,),
        ),
        Transition(
            "end_notice",
            _("公示期满，报区县审核确认"),
            (S.PUBLIC_NOTICE,),
            S.COUNTY_DECISION,
            WORK,
            guards=(_notice_over,),
            opens=(D.DECISION,),
        ),
        Transition(
            "reinvestigate",
            _("公示有异议，重新调查"),
            (S.PUBLIC_NOTICE,),
            S.VISITING,
            WORK,
            needs_reason=True,
        ),
        Transition(
            "return_to_township",
            _("退回乡镇补充调查"),
            (S.COUNTY_DECISION,),
            S.VISITING,
            DECIDE,
            needs_reason=True,
            meets=(D.DECISION,),
        ),
        Transition(
            "approve",
            _("审核确认：予以救助"),
            (S.COUNTY_DECISION,),
            S.IN_PAYMENT,
            DECIDE,
            needs_reason=True,
            meets=(D.DECISION, D.OVERALL),
        ),
        Transition(
            "approve_without_payment",
            _("审核确认：予以救助（无按月发放）"),
            (S.COUNTY_DECISION,),
            S.FOLLOW_UP,
            DECIDE,
            needs_reason=True,
            meets=(D.DECISION, D.OVERALL),
        ),
        Transition(
            "refuse",
            _("审核确认：不予救助"),
            (S.COUNTY_DECISION,),
            S.REFUSED,
            DECIDE,
            needs_reason=True,
            opens=(D.REFUSAL_NOTICE,),
            meets=(D.DECISION, D.OVERALL),
        ),
        Transition(
            "notify_refusal",
            _("已书面告知，办结"),
            (S.REFUSED,),
            S.CLOSED,
            DECIDE,
            guards=(_no_open_referrals,),
            meets=(D.REFUSAL_NOTICE,),
        ),
        Transition(
            "notify_refusal_follow_up",
            _("已书面告知，转介跟踪中"),
            (S.REFUSED,),
            S.FOLLOW_UP,
            DECIDE,
            meets=(D.REFUSAL_NOTICE,),
        ),
        Transition(
            "start_exit",
            _("进入渐退期"),
            (S.IN_PAYMENT,),
            S.EXITING,
            DECIDE,
            needs_reason=True,
            guards=(_gradual_exit_set,),
        ),
        Transition(
            "stop_payment",
            _("停止发放，退出救助"),
            (S.IN_PAYMENT, S.EXITING),
            S.CLOSED,
            DECIDE,
            needs_reason=True,
            guards=(_no_open_referrals,),
        ),
        Transition(
            "supersede",
            _("复核后由新案件接续"),
            (S.IN_PAYMENT, S.EXITING, S.FOLLOW_UP),
            S.CLOSED,
            DECIDE,
            needs_reason=True,
            guards=(_no_open_referrals,),
        ),
        Transition(
            "finish_follow_up",
            _("回访完成，办结"),
            (S.FOLLOW_UP,),
            S.CLOSED,
            WORK,
            needs_reason=True,
            guards=(_no_open_referrals,),
        ),
        Transition(
            "withdraw",
            _("终止办理（申请人撤回或不予受理）"),
            _BEFORE_NOTICE,
            S.CLOSED,
            WORK,
            needs_reason=True,
            guards=(_no_open_referrals,),
        ),
    )
}

# How each deadline is counted: the parameter that sets it and who answers for it.
DEADLINE_RULES: dict[str, tuple[str, str]] = {
    D.MEANS_TEST_START: (limits.MEANS_TEST_START, CaseDeadline.Level.TOWNSHIP),
    D.DECISION: (limits.DECISION, CaseDeadline.Level.COUNTY),
    D.REFUSAL_NOTICE: (limits.REFUSAL_NOTICE, CaseDeadline.Level.COUNTY),
    D.OVERALL: (limits.TOTAL, CaseDeadline.Level.COUNTY),
}


def transitions_from(status: str) -> list[Transition]:
    """The transitions that may start from ``status``, in table order."""
    return [t for t in TRANSITIONS.values() if status in t.sources]


def _status_label(value: str) -> str:
    return str(dict(S.choices).get(value, value))


def _conflict_message(current: Any, labels: Mapping[str, Any]) -> str:
    last = current.events.order_by("-version").select_related("by").first()
    who = ""
    if last is not None:
        name = (getattr(last.by, "full_name", "") or getattr(last.by, "username", "")) or "系统"
        when = timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M")
        who = f"已由{name}于 {when} "
    status = str(labels.get(current.status, current.status))
    return (
        f"办理冲突：该记录{who}更新（当前状态：{status}），您的操作没有保存。"
        "您填写的内容已保留在表单中，请核对最新情况后再提交。"
    )


def _subject_key(case: Case) -> str:
    head = getattr(case.household, "head", None)
    return getattr(head, "id_number_hash", "") if head is not None else ""


def open_deadline(*, case: Case, kind: str, day: dt.date) -> CaseDeadline:
    """Start (or restart) the deadline ``kind`` of ``case`` on ``day``, from its parameter."""
    parameter, level = DEADLINE_RULES[kind]
    if kind == D.OVERALL and case.extended:
        parameter = limits.TOTAL_EXTENDED
    n = limits.limit(parameter, day).required()
    deadline, _created = CaseDeadline.objects.update_or_create(
        case=case,
        kind=kind,
        defaults={
            "level": level,
            "starts_on": day,
            "working_days": n,
            "due_on": workdays.add_workdays(day, n),
            "parameter": parameter,
            "met_on": None,
            "reminded_at": None,
            "escalated_at": None,
        },
    )
    deadline.full_clean()
    return deadline


def extend_overall(*, deadline: CaseDeadline, reason: str) -> CaseDeadline:
    """Move the whole-procedure deadline to the extended limit (counted from the same start)."""
    n = limits.limit(limits.TOTAL_EXTENDED, deadline.starts_on).required()
    deadline.working_days = n
    deadline.parameter = limits.TOTAL_EXTENDED
    deadline.due_on = workdays.add_workdays(deadline.starts_on, n)
    deadline.extension_reason = reason[:300]
    deadline.reminded_at = None
    deadline.escalated_at = None
    deadline.full_clean()
    deadline.save()
    return deadline


@transaction.atomic
def apply_transition(
    *,
    case: Case,
    name: str,
    by: Any,
    expected_version: int,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    on: dt.date | None = None,
) -> Case:
    """Apply the transition ``name`` to ``case`` as ``by`` (None: the system) and return the case.

    ``expected_version`` is the version the actor saw; ``changes`` are field values the step
    records (saved with the status); ``data`` goes into the event row; ``on`` is the working day
    the step happened (default today).
    """
    day = on or timezone.localdate()
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise IllegalTransition(f"没有名为“{name}”的办理操作。")
    locked = Case.objects.select_for_update(of=("self",)).select_related(
        "household__head", "division"
    )
    current = locked.get(pk=case.pk)
    if current.version != expected_version:
        raise Conflict(_conflict_message(current, dict(S.choices)), current=current)
    if current.status not in transition.sources:
        raise IllegalTransition(
            f"案件当前状态为“{_status_label(current.status)}”，不能执行“{transition.label}”。"
        )
    if (
        by is not None
        and not restrict(Case.objects.filter(pk=case.pk), by, transition.action).exists()
    ):
        raise ValidationError("您没有办理该步骤的权限。")
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ValidationError({"reason": f"“{transition.label}”须填写理由。"})

    before_status = current.status
    before = {"status": before_status, "version": current.version}
    for field_name, value in (changes or {}).items():
        before[field_name] = getattr(current, field_name)
        setattr(current, field_name, value)
    current.status = transition.target
    current.version = expected_version + 1
    errors = [message for guard in transition.guards if (message := guard(current, day))]
    if errors:
        raise ValidationError(errors)
    current.full_clean()
    current.save()

    if transition.target == S.CLOSED:
        current.deadlines.filter(met_on__isnull=True).update(met_on=day)
        close_alerts_of(current, by=by, reason=reason or str(transition.label))
    else:
        current.deadlines.filter(kind__in=transition.meets, met_on__isnull=True).update(met_on=day)
    for kind in transition.opens:
        open_deadline(case=current, kind=kind, day=day)

    after = {"status": current.status, "version": current.version, **dict(changes or {})}
    CaseEvent.objects.create(
        case=current,
        by=by,
        transition=name,
        from_status=before_status,
        to_status=current.status,
        reason=reason,
        data=to_json_value(dict(data or {})),
        version=current.version,
    )
    record_event(
        actor=by,
        action=f"case.{name}",
        obj=current,
        before=before,
        after=after,
        reason=reason,
        division_code=current.division.code,
        subject_key=_subject_key(current),
    )
    case.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


def record_opening(*, case: Case, by: Any) -> CaseEvent:
    """The first event of a new case: registered, version 1 (called by ``case_open`` only)."""
    return CaseEvent.objects.create(
        case=case,
        by=by,
        transition="open",
        from_status="",
        to_status=case.status,
        reason=case.origin_note,
        data={"origin": case.origin, "programmes": list(case.programmes)},
        version=case.version,
    )


# --- referrals --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralTransition:
    """A legal referral status change; ``needs_text`` asks for an outcome or a reason."""

    name: str
    label: str | Promise
    sources: tuple[str, ...]
    target: str
    action: str
    needs_text: bool = False
    sets_outcome: bool = field(default=False)


REFERRAL_TRANSITIONS: dict[str, ReferralTransition] = {
    t.name: t
    for t in (
        ReferralTransition("accept", _("接收"), (R.SENT,), R.ACCEPTED, ANSWER),
        ReferralTransition("start", _("开始办理"), (R.ACCEPTED,), R.IN_PROGRESS, ANSWER),
        ReferralTransition(
            "finish",
            _("办结并反馈结果"),
            (R.ACCEPTED, R.IN_PROGRESS),
            R.DONE,
            ANSWER,
            needs_text=True,
            sets_outcome=True,
        ),
        ReferralTransition(
            "decline",
            _("退回（说明理由）"),
            (R.SENT, R.ACCEPTED),
            R.DECLINED,
            ANSWER,
            needs_text=True,
            sets_outcome=True,
        ),
        ReferralTransition(
            "withdraw",
            _("撤回转介"),
            (R.SENT, R.ACCEPTED, R.IN_PROGRESS),
            R.WITHDRAWN,
            WORK,
            needs_text=True,
            sets_outcome=True,
        ),
    )
}


def referral_transitions_from(status: str, action: str | None = None) -> list[ReferralTransition]:
    """Referral transitions that may start from ``status`` (optionally only those of ``action``)."""
    return [
        t
        for t in REFERRAL_TRANSITIONS.values()
        if status in t.sources and (action is None or t.action == action)
    ]


def _referral_in_reach(referral: Referral, by: Any, action: str) -> bool:
    if action == ANSWER:
        return restrict(Referral.objects.filter(pk=referral.pk), by, ANSWER).exists()
    return restrict(Case.objects.filter(pk=referral.case_id), by, action).exists()


@transaction.atomic
def apply_referral_transition(
    *, referral: Referral, name: str, by: Any, expected_version: int, text: str = ""
) -> Referral:
    """Apply the referral transition ``name`` as ``by``; ``text`` is the outcome or the reason."""
    transition = REFERRAL_TRANSITIONS.get(name)
    if transition is None:
        raise IllegalTransition(f"没有名为“{name}”的转介操作。")
    current = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case__division", "case__household__head", "to_org_unit")
        .get(pk=referral.pk)
    )
    if current.version != expected_version:
        raise Conflict(_conflict_message(current, dict(R.choices)), current=current)
    if current.status not in transition.sources:
        label = dict(R.choices).get(current.status, current.status)
        raise IllegalTransition(f"转介当前状态为“{label}”，不能执行“{transition.label}”。")
    if by is not None and not _referral_in_reach(current, by, transition.action):
        raise ValidationError("您没有办理该转介的权限。")
    text = (text or "").strip()
    if transition.needs_text and not text:
        raise ValidationError({"text": f"“{transition.label}”须填写办理结果或理由。"})
    before = {"status": current.status, "version": current.version}
    from_status = current.status
    current.status = transition.target
    current.version = expected_version + 1
    if transition.sets_outcome:
        current.outcome = text
    if transition.action == ANSWER:
        current.answered_at = timezone.now()
        current.answered_by = by
    current.full_clean()
    current.save()
    ReferralEvent.objects.create(
        referral=current,
        by=by,
        transition=name,
        from_status=from_status,
        to_status=current.status,
        text=text,
        version=current.version,
    )
    record_event(
        actor=by,
        action=f"referral.{name}",
        obj=current,
        before=before,
        after={"status": current.status, "version": current.version, "outcome": current.outcome},
        reason=text,
        division_code=current.case.division.code,
        subject_key=_subject_key(current.case),
    )
    referral.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current
