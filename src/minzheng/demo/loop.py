"""The loop alive in the demo: after the first screening, the demo's workers take alerts up.

``run_demo_loop`` plays the part of the demo users — the township worker of 高笋塘街道
(``demo_township``), the county officer of 万州区 (``demo_county``), the partner agency's user
(``demo_agency``) and the demo social organisation's user (``demo_charity``) — through the
monitoring and cases services only, so that the platform opens with work in every state:

- alerts still waiting (a share of each kind, always some discovery alerts with a cash
  programme), some in verification, some dismissed with a reason;
- cases at every stage: registered, accepted (one past its means-test limit), economic check,
  home visit, township review, public notice, county decision (one past its limit), paid,
  refused (waiting for the written notice), closed (after a refusal, after follow-up);
- referrals to the partner agency and, with the household's consent on file, to the demo social
  organisation: answered, open within their deadline, and overdue;
- the daily check run once (reminders, escalations, the month's payments).

Dates: alerts of the first screening were raised today, so the cases opened from them have gone
as far as a day allows (up to the public notice). The cases further on are window applications
made before the screening (accepted weeks ago: the steps carry their business dates, while every
record and audit event keeps its real time); the screening's alert for the same household joins
the case while it is in procedure. Referrals sent weeks ago are past their deadline.

Deterministic for a given population and day (alerts and households in id order, one seeded
shuffle), quick (a few seconds: a handful of engine calls for the decisions), and done once:
nothing happens when the demo township already has a case.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import random
import struct
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minzheng.cases import selectors as case_selectors
from minzheng.cases import services as case_services
from minzheng.cases.models import Case, CaseDocument, Referral
from minzheng.monitoring import selectors as monitoring_selectors
from minzheng.monitoring import services as monitoring_services
from minzheng.monitoring.models import Alert
from minzheng.registry import selectors as registry_selectors
from minzheng.web import workdays

logger = logging.getLogger(__name__)

SEED = 20261126
TOWNSHIP_USER = "demo_township"
COUNTY_USER = "demo_county"
AGENCY_USER = "demo_agency"
CHARITY_USER = "demo_charity"
# Programmes paid monthly: a discovery alert for one of them can end in payment.
CASH_PROGRAMMES = ("dibao", "tekun", "dibao_individual")
# Share of the alerts the workers leave untouched (at least one discovery alert with a cash
# programme always waits: the browser test walks it through the whole loop).
WAITING_SHARE = 0.3

S = Case.Status


@dataclass
class LoopResult:
    """What ``run_demo_loop`` did; ``skipped`` when the demo township had cases already."""

    skipped: bool
    reason: str = ""
    cases: Counter[str] = field(default_factory=Counter)
    alerts: Counter[str] = field(default_factory=Counter)
    referrals: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


# --- small helpers -----------------------------------------------------------------------------


def workdays_before(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day before ``day`` (``day`` itself not counted)."""
    current = day
    counted = 0
    while counted < n:
        current -= dt.timedelta(days=1)
        if workdays.is_workday(current):
            counted += 1
    return current


def _png(width: int = 64, height: int = 48) -> bytes:
    """A small grey PNG (the stand-in for a photo taken on a home visit)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\xb4\xbe\xc8" * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _pdf(title: str) -> bytes:
    """A one-line PDF (ASCII only) standing in for a signed paper form."""
    text = f"BT /F1 14 Tf 60 780 Td ({title}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(text)).encode() + b" >>\nstream\n" + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def pdf_upload(name: str, title: str = "Signed form (demo)") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _pdf(title), content_type="application/pdf")


def photo_upload(name: str = "入户照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _png(), content_type="image/png")


# --- the workers -------------------------------------------------------------------------------


@dataclass
class Workers:
    """The demo users who act, and the units referrals go to."""

    township: Any
    county: Any
    agency: Any
    charity: Any

    @classmethod
    def load(cls) -> Workers | None:
        users = {
            u.username: u
            for u in get_user_model()
            .objects.filter(username__in=(TOWNSHIP_USER, COUNTY_USER, AGENCY_USER, CHARITY_USER))
            .select_related("org_unit")
        }
        if len(users) < 4:
            return None
        return cls(
            users[TOWNSHIP_USER], users[COUNTY_USER], users[AGENCY_USER], users[CHARITY_USER]
        )


class Loop:
    """One pass of the demo's workers over the demo township, as of ``today``."""

    def __init__(self, workers: Workers, today: dt.date, result: LoopResult) -> None:
        self.w = workers
        self.today = today
        self.result = result

    # Township steps, each on a business date.

    def open_window(self, household: Any, note: str) -> Case:
        return case_services.case_open(
            household=household,
            by=self.w.township,
            origin=Case.Origin.WINDOW,
            origin_note=note,
        )

    def accept(self, case: Case, on: dt.date) -> None:
        case_services.case_accept(
            case=case, by=self.w.township, expected_version=case.version, on=on
        )

    def check(self, case: Case, on: dt.date) -> None:
        case_services.case_start_check(
            case=case, by=self.w.township, expected_version=case.version, on=on
        )

    def finish_check(self, case: Case, on: dt.date) -> None:
        case_services.document_upload(
            case=case,
            by=self.w.township,
            kind=CaseDocument.Kind.AUTHORISATION,
            upload=pdf_upload("核对授权书.pdf", "Authorisation signed by the household (demo)"),
            note="家庭成员签字的核对授权书（演示）",
        )
        case_services.case_finish_check(
            case=case,
            by=self.w.township,
            expected_version=case.version,
            summary="比对公安、不动产、车辆、工商、银行存款信息：未发现车辆、商品房和工商登记，"
            "存款在规定范围内。",
            on=on,
        )

    def visit(self, case: Case, on: dt.date) -> None:
        case_services.document_upload(
            case=case,
            by=self.w.township,
            kind=CaseDocument.Kind.VISIT_PHOTO,
            upload=photo_upload(),
            note="入户照片（演示）",
        )
        case_services.case_finish_visit(
            case=case,
            by=self.w.township,
            expected_version=case.version,
            notes="入户查看居住和生活情况，与户主及邻居了解收入来源；家中无贵重物品，"
            "情况与申报一致。",
            visited_on=on,
            on=on,
        )

    def review(self, case: Case, on: dt.date, *, approve: bool = True) -> None:
        if approve:
            case_services.case_review(
                case=case,
                by=self.w.township,
                expected_version=case.version,
                opinion="经核对和入户调查，家庭收入、财产状况符合条件，拟予救助。",
                recommendation=Case.Recommendation.APPROVE,
                on=on,
            )
        else:
            case_services.case_review(
                case=case,
                by=self.w.township,
                expected_version=case.version,
                opinion="经核对，家庭人均收入高于当地低保标准。",
                recommendation=Case.Recommendation.REFUSE,
                reason="家庭人均收入高于当地低保标准，拟不予救助。",
                on=on,
            )

    def end_notice(self, case: Case) -> dt.date:
        assert case.notice_ends_on is not None
        day = case.notice_ends_on
        while not workdays.is_workday(day):
            day += dt.timedelta(days=1)
        if day > self.today:
            raise ValidationError(f"公示期至 {case.notice_ends_on} 结束，尚未期满。")
        case_services.case_end_notice(
            case=case, by=self.w.township, expected_version=case.version, on=day
        )
        return day

    # County steps.

    def decide(self, case: Case, on: dt.date, *, approve: bool = True) -> None:
        case_services.case_decide(
            case=case,
            by=self.w.county,
            expected_version=case.version,
            decision=Case.Decision.APPROVED if approve else Case.Decision.REFUSED,
            reasons="经审核，符合救助条件，予以救助。"
            if approve
            else "经审核，家庭人均收入高于当地最低生活保障标准，不符合条件。",
            on=on,
        )

    # Referrals.

    def refer_agency(self, case: Case, on: dt.date, need: str = "") -> Referral:
        referral = case_services.referral_send(
            case=case,
            by=self.w.township,
            to_org_unit=self.w.agency.org_unit,
            kind=Referral.Kind.MEDICAL,
            need=need or "家庭成员慢性病长期用药，自付费用较高，请核定医疗救助。",
            on=on,
        )
        self.result.referrals["sent"] += 1
        return referral

    def refer_charity(self, case: Case, on: dt.date) -> Referral:
        referral = case_services.referral_send(
            case=case,
            by=self.w.township,
            to_org_unit=self.w.charity.org_unit,
            kind=Referral.Kind.CHARITY,
            need="独居老人，需要定期探访和生活照料服务。",
            consent_upload=pdf_upload("信息共享同意书.pdf", "Consent to share (demo)"),
            consent_note="户主签字同意向社会组织提供家庭基本信息",
            on=on,
        )
        self.result.referrals["sent"] += 1
        return referral

    def answer(self, referral: Referral, by: Any, outcome: str) -> None:
        for name in ("accept", "start"):
            case_services.referral_act(
                referral=referral, by=by, name=name, expected_version=referral.version
            )
        case_services.referral_act(
            referral=referral, by=by, name="finish", expected_version=referral.version, text=outcome
        )
        self.result.referrals["answered"] += 1

    # The paths a case takes, from acceptance on ``start`` (a business date).

    def to_notice(self, case: Case, start: dt.date, upto: str = S.PUBLIC_NOTICE) -> dt.date:
        """Accept on ``start`` and go on one working day a step until ``upto``; the last day."""
        steps: list[tuple[str, Callable[[Case, dt.date], None]]] = [
            (S.ACCEPTED, self.accept),
            (S.CHECKING, self.check),
            (S.VISITING, self.finish_check),
            (S.TOWNSHIP_REVIEW, self.visit),
            (S.PUBLIC_NOTICE, self.review),
        ]
        day = start
        for status, step in steps:
            step(case, min(day, self.today))
            if status == upto:
                break
            day = workdays.add_workdays(day, 1) if day < self.today else day
        return min(day, self.today)

    def to_decision(self, case: Case, start: dt.date) -> dt.date:
        """Accept on ``start``, post the notice, and end it (to the county); the day it ended."""
        self.to_notice(case, start)
        return self.end_notice(case)


# --- the scenarios -----------------------------------------------------------------------------


def _programmes(alert: Alert) -> set[str]:
    return set(alert.programmes or [])


def _attempt(result: LoopResult, label: str, action: Callable[[], None]) -> bool:
    """Run one scenario; a refusal by the services is noted, not raised (the demo goes on)."""
    try:
        action()
        return True
    except (ValidationError, monitoring_services.AlertStateError) as exc:
        message = "; ".join(getattr(exc, "messages", [str(exc)]))
        logger.info("demo loop: %s not completed: %s", label, message)
        result.failures.append(f"{label}: {message}")
        return False


def run_demo_loop(*, today: dt.date | None = None, seed: int = SEED) -> LoopResult:
    """Play the demo workers' part once (see the module docstring); skipped when done before."""
    started = time.perf_counter()
    day = today or timezone.localdate()
    workers = Workers.load()
    if workers is None:
        return LoopResult(skipped=True, reason="no demo accounts")
    if case_selectors.cases_visible(workers.township).exists():
        return LoopResult(skipped=True, reason="done before")
    alerts = list(
        monitoring_selectors.alerts_visible(workers.township)
        .filter(status=Alert.Status.OPEN, household__isnull=False)
        .select_related("household")
        .order_by("pk")
    )
    result = LoopResult(skipped=False)
    loop = Loop(workers, day, result)
    rng = random.Random(seed)

    cash = [a for a in alerts if a.kind == Alert.Kind.DISCOVERY and _is_cash(a)]
    other = [a for a in alerts if a.kind == Alert.Kind.DISCOVERY and not _is_cash(a)]
    risk = [a for a in alerts if a.kind == Alert.Kind.RISK]
    exits = [a for a in alerts if a.kind == Alert.Kind.EXIT_REVIEW]
    for group in (cash, other, risk, exits):
        rng.shuffle(group)

    # Waiting: a share of each kind stays open, and always one cash discovery alert.
    def keep(group: list[Alert], minimum: int = 0) -> list[Alert]:
        n = min(len(group), max(minimum, int(len(group) * WAITING_SHARE)))
        result.alerts["waiting"] += n
        return group[n:]

    cash, other, risk, exits = keep(cash, 1), keep(other), keep(risk, 1), keep(exits, 1)

    _decided(loop, cash, other)
    _today_cases(loop, cash + other + risk)
    _refusals_and_overdue(loop, {a.household_id for a in alerts if a.household_id})
    _alert_handling(loop, [a for a in risk + exits if a.status == Alert.Status.OPEN])

    check = case_services.daily_check(today=day)
    result.cases["escalated_deadlines"] = check.escalated
    result.referrals["escalated"] = check.referrals_escalated
    for case in case_selectors.cases_visible(workers.township):
        result.cases[case.status] += 1
    result.seconds = time.perf_counter() - started
    return result


def _is_cash(alert: Alert) -> bool:
    return bool(_programmes(alert) & set(CASH_PROGRAMMES))


def _join(loop: Loop, household: Any, note: str, alert: Alert | None) -> Case:
    """A window application (made before the screening); the screening's alert joins it."""
    case = loop.open_window(household, note)
    if alert is not None:
        case_services.case_open_from_alert(alert=alert, by=loop.w.township)
        alert.status = Alert.Status.CONVERTED
        loop.result.alerts["converted"] += 1
    case.refresh_from_db()
    return case


def _decision_days(today: dt.date) -> tuple[dt.date, dt.date]:
    """The two days the county decided on: last month, and today. The engine compiles its plan
    once per day it evaluates (today's is compiled already by the screening), so the demo's
    decisions share these two days."""
    old = workdays_before(today, 20)
    if (old.year, old.month) == (today.year, today.month):
        # Late in a month twenty working days back are still this month (from 28 November
        # 2026: 2 November): the last working day of the month before, then.
        old = workdays_before(today.replace(day=1), 1)
    return old, today


def _start_for(decided: dt.date) -> dt.date:
    """When a case decided on ``decided`` was accepted: early enough for a 7-day notice."""
    return workdays_before(decided, 14)


def _decided(loop: Loop, cash: list[Alert], other: list[Alert]) -> None:
    """Window applications weeks ago whose households the screening also found (the alert joins
    the case): paid since last month, approved and paid today, waiting for the county, the county's
    decision overdue; a 低保边缘 household approved without payment, followed up and closed.
    Consumes alerts from ``cash`` and ``other``."""
    today = loop.today
    old, recent = _decision_days(today)

    def paid_long_ago() -> None:
        alert = cash.pop(0)
        case = _join(loop, alert.household, "窗口申请（社区代办）", alert)
        loop.to_decision(case, _start_for(old))
        loop.decide(case, old)
        loop.answer(
            loop.refer_agency(case, workdays_before(today, 15)),
            loop.w.agency,
            "已核定门诊慢特病医疗救助，自付部分按 70% 救助，已纳入一站式结算。",
        )
        loop.refer_agency(
            case,
            workdays_before(today, 14),
            need="户主患高血压、糖尿病，申请门诊慢特病医疗救助。",
        )
        charity = loop.refer_charity(case, workdays_before(today, 12))
        loop.answer(charity, loop.w.charity, "已安排社工每周上门探访一次，并送去米面油等生活物资。")

    def paid_today() -> None:
        alert = cash.pop(0)
        case = _join(loop, alert.household, "窗口申请", alert)
        loop.to_decision(case, _start_for(recent))
        loop.decide(case, recent)
        loop.refer_charity(case, today)
        loop.refer_agency(case, today, need="子女在读初中，申请教育资助，请协同核定。")

    def waiting_for_county() -> None:
        alert = cash.pop(0)
        case = _join(loop, alert.household, "窗口申请", alert)
        loop.to_decision(case, workdays_before(today, 10))

    def county_overdue() -> None:
        alert = cash.pop(0)
        case = _join(loop, alert.household, "窗口申请", alert)
        loop.to_decision(case, workdays_before(today, 24))

    def followed_up() -> None:
        alert = near[0]
        other.remove(alert)
        case = _join(loop, alert.household, "窗口申请（低保边缘家庭认定）", alert)
        loop.to_decision(case, _start_for(recent))
        loop.decide(case, recent)
        case.refresh_from_db()
        referral = loop.refer_charity(case, recent)
        loop.answer(referral, loop.w.charity, "已为家庭链接助学金 2000 元，并安排志愿者结对帮扶。")
        case.refresh_from_db()
        if case.status == S.FOLLOW_UP:
            case_services.case_finish_follow_up(
                case=case,
                by=loop.w.township,
                expected_version=case.version,
                reason="回访完成：转介事项均已办结，家庭生活基本稳定。",
                on=today,
            )

    near = [a for a in other if "near_dibao" in _programmes(a)]
    plans: list[tuple[str, list[Alert], Callable[[], None]]] = [
        ("paid last month", cash, paid_long_ago),
        ("county decision", cash, waiting_for_county),
        ("paid today", cash, paid_today),
        ("follow-up closed", near, followed_up),
        ("county decision overdue", cash, county_overdue),
    ]
    for label, source, scenario in plans:
        if source:
            _attempt(loop.result, label, scenario)


def _today_cases(loop: Loop, alerts: list[Alert]) -> None:
    """Alerts the township converts today, each case taken as far as a day allows."""
    today = loop.today
    steps: list[tuple[str, Callable[[Case, dt.date], None]]] = [
        (S.ACCEPTED, loop.accept),
        (S.CHECKING, loop.check),
        (S.VISITING, loop.finish_check),
        (S.TOWNSHIP_REVIEW, loop.visit),
        (S.PUBLIC_NOTICE, loop.review),
    ]
    stages = (S.PUBLIC_NOTICE, S.VISITING, S.TOWNSHIP_REVIEW, S.CHECKING, S.ACCEPTED, S.REGISTERED)
    waiting = [a for a in alerts if a.status == Alert.Status.OPEN]
    for stage, alert in zip(stages, waiting, strict=False):

        def scenario(alert: Alert = alert, stage: str = stage) -> None:
            case = case_services.case_open_from_alert(alert=alert, by=loop.w.township)
            alert.status = Alert.Status.CONVERTED
            loop.result.alerts["converted"] += 1
            for status, step in steps:
                if stage == S.REGISTERED:
                    break
                step(case, today)
                if status == stage:
                    break
            if stage == S.VISITING:
                loop.refer_agency(case, today, need="户主住院治疗，自付费用较高，请核定医疗救助。")

        _attempt(loop.result, f"alert to {stage}", scenario)


def _refusals_and_overdue(loop: Loop, alerted: set[int]) -> None:
    """Window applications from households the screening did not flag: refused (one waiting for
    the written notice, one notified and closed), one withdrawn, one past its means-test limit."""
    today = loop.today
    old, recent = _decision_days(today)
    candidates = (
        registry_selectors.households_visible(loop.w.township)
        .filter(closed_at__isnull=True)
        .exclude(pk__in=alerted)
        .order_by("pk")
    )
    chosen: list[Any] = []
    for household in candidates[:40]:
        if registry_selectors.household_facts(household, "enrolment").exists():
            continue  # already receiving: no new application
        chosen.append(household)
        if len(chosen) == 4:
            break

    def refused(household: Any, decided: dt.date, notify: bool) -> None:
        case = _join(loop, household, "窗口申请", None)
        start = _start_for(decided)
        loop.to_notice(case, start, upto=S.TOWNSHIP_REVIEW)
        loop.review(case, workdays.add_workdays(start, 4), approve=False)
        loop.decide(case, decided, approve=False)
        if notify:
            case_services.case_notify_refusal(
                case=case,
                by=loop.w.county,
                expected_version=case.version,
                on=workdays.add_workdays(decided, 1),
            )

    def withdrawn(household: Any) -> None:
        case = _join(loop, household, "窗口申请", None)
        loop.accept(case, workdays_before(today, 6))
        case_services.case_withdraw(
            case=case,
            by=loop.w.township,
            expected_version=case.version,
            reason="申请人家中子女已就业，本人申请撤回。",
            on=workdays_before(today, 4),
        )

    def means_test_overdue(household: Any) -> None:
        case = _join(loop, household, "窗口申请", None)
        loop.accept(case, workdays_before(today, 8))

    plans: list[tuple[str, Callable[[Any], None]]] = [
        ("refused, notice due", lambda h: refused(h, recent, notify=False)),
        ("refused and closed", lambda h: refused(h, old, notify=True)),
        ("means test overdue", means_test_overdue),
        ("withdrawn", withdrawn),
    ]
    for (label, plan), household in zip(plans, chosen, strict=False):
        _attempt(loop.result, label, functools.partial(plan, household))


def _alert_handling(loop: Loop, alerts: list[Alert]) -> None:
    """Risk and exit-review alerts: some dismissed with the reason found, some in verification."""
    reasons = (
        "入户核实：住院费用已由基本医保和大病保险报销，家庭收入稳定，暂无生活困难。",
        "电话及入户核实：家庭成员已重新就业，收入可维持基本生活。",
        "核实为数据延迟：该成员已于上月办理退休，养老金正常发放。",
    )
    for i, alert in enumerate(alerts):
        if i % 2 == 0:
            reason = reasons[i // 2 % len(reasons)]
            _attempt(loop.result, "dismiss", functools.partial(_dismiss, loop, alert, reason))
        else:
            _attempt(loop.result, "verify", functools.partial(_verify, loop, alert))


def _dismiss(loop: Loop, alert: Alert, reason: str) -> None:
    monitoring_services.alert_dismiss(alert=alert, by=loop.w.township, reason=reason)
    loop.result.alerts["dismissed"] += 1


def _verify(loop: Loop, alert: Alert) -> None:
    monitoring_services.alert_start_verification(alert=alert, by=loop.w.township, today=loop.today)
    loop.result.alerts["in_verification"] += 1
