"""A month of the loop on a generated population: events, nightly runs, simulated workers.

Each simulated day (the clock travels to it — the machine's edge):

- 01:00 the day's events reach the registry through its services, as a feed would bring them:
  hospital stays with large medical bills, a member losing their job, a new disability, deaths,
  incomes rising (enrolled households) or stopping (others);
- 02:00 the nightly screening for the day (``monitoring.services.screening_run``);
- 03:00 the cases' daily check (reminders, escalation, payments);
- on working days, 09:00–17:00, the simulated workers act through the monitoring and cases
  services: a township worker per township takes up a share of its alerts (opens a case,
  dismisses with a reason, starts verifying, or leaves it), moves cases one step on, sends some
  referrals; the county officer decides (the engine approves, or the case is refused with
  reasons) and issues refusal notices; the partner agency and the charity answer some referrals.

Every choice comes from one seeded ``random.Random``: the month is the same each time.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.accounts.models import OrgUnit
from minzheng.cases import services as case_services
from minzheng.cases.models import Case, CaseDocument, Referral
from minzheng.demo.population.generator import Options, generate
from minzheng.monitoring import services as monitoring_services
from minzheng.monitoring.models import Alert, ScreeningRun
from minzheng.policy import services as policy_services
from minzheng.registry import bulk
from minzheng.registry import selectors as registry_selectors
from minzheng.registry import services as registry_services
from minzheng.registry.models import Household, Income, Person
from minzheng.web import workdays
from tests.cases import factories as cf
from tests.scope import make_scoped_user

TZ = ZoneInfo("Asia/Shanghai")
COUNTY = "500101"  # 万州区: the whole population lives there
WORKER_ACTIONS = ("case.view", "case.work", "household.view", "monitoring.view", "alert.handle")
OFFICER_ACTIONS = ("case.view", "case.decide", "payment.export", "monitoring.view")
S = Case.Status
R = Referral.Status

DISMISS_REASONS = (
    "入户核实：家庭收入稳定，已有子女赡养，暂无生活困难。",
    "核实：医疗费用已由基本医保和大病保险报销，自付部分可承受。",
    "核实为数据延迟：该成员已重新就业。",
)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% simulation\n", content_type="application/pdf")


def png(name: str = "入户照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")


@dataclass
class Tally:
    """What happened during the month, counted as it happened."""

    events: Counter[str] = field(default_factory=Counter)
    alerts: Counter[str] = field(default_factory=Counter)
    steps: Counter[str] = field(default_factory=Counter)
    referrals: Counter[str] = field(default_factory=Counter)
    refusals_by_services: Counter[str] = field(default_factory=Counter)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))


def load_population(*, persons: int, seed: int, as_of: dt.date) -> None:
    """Generate a small population of 万州区 as of ``as_of`` and load it into the registry."""
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR, prefix="simulation-") as tmp:
        generate(
            out=Path(tmp),
            options=Options(persons=persons, seed=seed, as_of=as_of, counties=(COUNTY,)),
        )
        bulk.load_population(directory=Path(tmp))


class Month:
    """The simulated workers and the day's events; ``day()`` plays one day."""

    def __init__(self, *, seed: int) -> None:
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.workers: dict[str, Any] = {}
        self.officer = make_scoped_user(OFFICER_ACTIONS, division=COUNTY)
        self.agency = cf.agency()
        self.agency_user = cf.unit_user(self.agency)
        self.charity = cf.charity()
        self.charity_user = cf.unit_user(self.charity)
        self.runs: list[ScreeningRun] = []

    def timed(self, label: str, action: Any, day: dt.date) -> None:
        """Run ``action(day)``, adding the seconds it took to ``label``'s total."""
        started = time.perf_counter()
        action(day)
        self.tally.seconds[label] += time.perf_counter() - started

    @staticmethod
    def prepare() -> None:
        policy_services.load_parameters()

    def worker(self, division_code: str) -> Any:
        township = division_code[:9]
        if township not in self.workers:
            self.workers[township] = make_scoped_user(WORKER_ACTIONS, division=township)
        return self.workers[township]

    # --- the registry's events -------------------------------------------------------------

    def _people(self, n: int, **filters: Any) -> list[Person]:
        alive = Person.objects.filter(life_status="living", **filters).order_by("pk")
        ids = list(alive.values_list("pk", flat=True))
        chosen = self.rng.sample(ids, min(n, len(ids)))
        return list(Person.objects.filter(pk__in=chosen).order_by("pk"))

    def events(self, day: dt.date) -> None:
        for person in self._people(self.rng.randint(1, 3)):
            self._record(person, "life_event", {"kind": "hospitalisation", "date": day})
            amount = Decimal(self.rng.randrange(20_000, 90_000, 500))
            self._record(person, "expenditure", {"kind": "medical", "amount": amount, "date": day})
            self.tally.events["hospitalisation"] += 1
        for person in self._people(self.rng.randint(0, 1), employment_status="employed"):
            self._record(person, "life_event", {"kind": "unemployment", "date": day})
            registry_services.person_update(
                by=None, person=person, employment_status="unemployed", reason="人社：失业登记"
            )
            self.tally.events["unemployment"] += 1
        for person in self._people(self.rng.randint(0, 1), disability_grade__isnull=True):
            registry_services.person_update(
                by=None,
                person=person,
                disability_grade=self.rng.choice((1, 2, 3)),
                disability_kind="physical",
                reason="残联：残疾人证核发",
            )
            self._record(person, "life_event", {"kind": "disability_certified", "date": day})
            self.tally.events["disability"] += 1
        if self.rng.random() < 0.5:
            for person in self._people(1):
                self._record(person, "life_event", {"kind": "death", "date": day})
                self.tally.events["death"] += 1
        self._incomes(day)

    def _incomes(self, day: dt.date) -> None:
        # An enrolled household's member starts earning well (exit review).
        enrolled = list(
            Household.objects.filter(enrolments__end_date__isnull=True, closed_at__isnull=True)
            .distinct()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if enrolled and self.rng.random() < 0.6:
            household = Household.objects.get(pk=self.rng.choice(enrolled))
            if household.head is not None and household.head.life_status == "living":
                self._record(
                    household.head,
                    "income",
                    {
                        "kind": "wage",
                        "amount": Decimal(self.rng.randrange(50_000, 90_000, 1000)),
                        "period_start": day - dt.timedelta(days=365),
                        "period_end": day - dt.timedelta(days=1),
                    },
                )
                self.tally.events["income_up"] += 1
        # Another household's wage turns out to have stopped: the feed withdraws it.
        wages = list(
            Income.objects.filter(kind="wage", closed_at__isnull=True, amount__lt=40_000)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if wages and self.rng.random() < 0.6:
            wage = Income.objects.get(pk=self.rng.choice(wages))
            registry_services.fact_close(by=None, fact=wage, reason="人社：工资发放已中断")
            self.tally.events["income_down"] += 1

    def _record(self, person: Person, kind: str, values: dict[str, Any]) -> None:
        if registry_selectors.current_household(person) is None:
            return
        registry_services.fact_record(by=None, kind=kind, person=person, values=values)

    # --- the nightly run and the daily check -----------------------------------------------

    def night(self, day: dt.date) -> None:
        run = monitoring_services.screening_run(as_of=day, trigger=ScreeningRun.Trigger.SCHEDULED)
        self.runs.append(run)

    @staticmethod
    def daily_check(day: dt.date) -> None:
        case_services.daily_check(today=day)

    # --- the workers -----------------------------------------------------------------------

    def work(self, day: dt.date) -> None:
        self._alerts(day)
        self._cases(day)
        self._partners()

    def _try(self, label: str, action: Any) -> bool:
        try:
            action()
            return True
        except (ValidationError, monitoring_services.AlertStateError) as exc:
            self.tally.refusals_by_services[label] += 1
            del exc
            return False

    def _alerts(self, day: dt.date) -> None:
        waiting = Alert.objects.filter(
            status__in=Alert.OPEN_STATUSES, household__isnull=False
        ).order_by("deadline", "-score", "pk")
        for alert in list(waiting.select_related("household", "division")):
            if self.rng.random() < 0.55:
                continue  # not reached today
            worker = self.worker(alert.division.code)
            roll = self.rng.random()
            convert = {"discovery": 0.6, "risk": 0.35, "exit_review": 0.5}[alert.kind]
            if roll < convert:
                if self._try(
                    "convert",
                    lambda a=alert, w=worker: case_services.case_open_from_alert(alert=a, by=w),
                ):
                    self.tally.alerts["converted"] += 1
            elif roll < convert + 0.25:
                reason = self.rng.choice(DISMISS_REASONS)
                if self._try(
                    "dismiss",
                    lambda a=alert, w=worker, r=reason: monitoring_services.alert_dismiss(
                        alert=a, by=w, reason=r
                    ),
                ):
                    self.tally.alerts["dismissed"] += 1
            elif alert.status == Alert.Status.OPEN and self._try(
                "verify",
                lambda a=alert, w=worker: monitoring_services.alert_start_verification(
                    alert=a, by=w, today=day
                ),
            ):
                self.tally.alerts["verifying"] += 1

    def _cases(self, day: dt.date) -> None:
        for case in list(Case.objects.exclude(status=S.CLOSED).order_by("pk")):
            if self.rng.random() < 0.35:
                continue  # the case waits a day
            if self._try(f"step:{case.status}", lambda c=case: self._step(c, day)):
                self.tally.steps[case.status] += 1

    def _step(self, case: Case, day: dt.date) -> None:
        w = self.worker(case.division.code)
        v = case.version
        if case.status == S.REGISTERED:
            case_services.case_accept(case=case, by=w, expected_version=v, on=day)
        elif case.status == S.ACCEPTED:
            case_services.case_start_check(case=case, by=w, expected_version=v, on=day)
        elif case.status == S.CHECKING:
            case_services.document_upload(
                case=case, by=w, kind=CaseDocument.Kind.AUTHORISATION, upload=pdf("授权书.pdf")
            )
            case_services.case_finish_check(
                case=case, by=w, expected_version=v, summary="比对车辆、房产、存款信息。", on=day
            )
        elif case.status == S.VISITING:
            case_services.document_upload(
                case=case, by=w, kind=CaseDocument.Kind.VISIT_PHOTO, upload=png()
            )
            case_services.case_finish_visit(
                case=case, by=w, expected_version=v, notes="入户查看。", visited_on=day, on=day
            )
            if self.rng.random() < 0.4:
                self._refer(case, w, day)
        elif case.status == S.TOWNSHIP_REVIEW:
            approve = case.origin != Case.Origin.ALERT or self._alert_kind(case) != "exit_review"
            case_services.case_review(
                case=case,
                by=w,
                expected_version=v,
                opinion="拟予救助。" if approve else "收入已超过标准，拟不予救助。",
                recommendation=Case.Recommendation.APPROVE
                if approve
                else Case.Recommendation.REFUSE,
                reason="" if approve else "家庭人均收入高于低保标准。",
                on=day,
            )
        elif case.status == S.PUBLIC_NOTICE:
            if case.notice_ends_on is not None and day >= case.notice_ends_on:
                case_services.case_end_notice(case=case, by=w, expected_version=v, on=day)
        elif case.status == S.COUNTY_DECISION:
            self._decide(case, day)
        elif case.status == S.REFUSED:
            case_services.case_notify_refusal(
                case=case, by=self.officer, expected_version=v, on=day
            )
        elif case.status == S.FOLLOW_UP:
            if not case.referrals.filter(status__in=Referral.OPEN_STATUSES).exists():
                case_services.case_finish_follow_up(
                    case=case, by=w, expected_version=v, reason="回访完成。", on=day
                )
        elif (
            case.status == S.IN_PAYMENT and not case.referrals.exists() and self.rng.random() < 0.3
        ):
            self._refer(case, w, day)

    @staticmethod
    def _alert_kind(case: Case) -> str:
        if case.alert_id is None:
            return ""
        alert = Alert.objects.filter(pk=case.alert_id).first()
        return alert.kind if alert is not None else ""

    def _decide(self, case: Case, day: dt.date) -> None:
        try:
            case_services.case_decide(
                case=case,
                by=self.officer,
                expected_version=case.version,
                decision=Case.Decision.APPROVED,
                reasons="经审核，符合条件，予以救助。",
                on=day,
            )
        except ValidationError:
            case.refresh_from_db()
            case_services.case_decide(
                case=case,
                by=self.officer,
                expected_version=case.version,
                decision=Case.Decision.REFUSED,
                reasons="经审核，按当日政策参数测算不符合救助条件。",
                on=day,
            )

    def _refer(self, case: Case, worker: Any, day: dt.date) -> None:
        if self.rng.random() < 0.5:
            case_services.referral_send(
                case=case,
                by=worker,
                to_org_unit=self.agency,
                kind=Referral.Kind.MEDICAL,
                need="住院自付费用较高，请核定医疗救助。",
                on=day,
            )
        else:
            case_services.referral_send(
                case=case,
                by=worker,
                to_org_unit=self.charity,
                kind=Referral.Kind.CHARITY,
                need="需要生活照料和探访。",
                consent_upload=pdf("同意书.pdf"),
                on=day,
            )
        self.tally.referrals["sent"] += 1

    def _partners(self) -> None:
        open_referrals = Referral.objects.filter(status__in=Referral.OPEN_STATUSES).order_by("pk")
        for referral in list(open_referrals.select_related("to_org_unit")):
            by = (
                self.agency_user
                if referral.to_org_unit.kind == OrgUnit.Kind.PARTNER_AGENCY
                else self.charity_user
            )
            roll = self.rng.random()
            if roll < 0.45:
                continue  # not answered today (some go overdue)
            next_step: dict[str, str] = {
                R.SENT: "accept",
                R.ACCEPTED: "start",
                R.IN_PROGRESS: "finish",
            }
            name = next_step[referral.status]
            text = ""
            if referral.status == R.SENT and roll > 0.93:
                name, text = "decline", "不属于本单位救助范围，请转介残联。"
            elif name == "finish":
                text = "已办结：核定救助并反馈结果。"
            if self._try(
                f"referral:{name}",
                lambda r=referral, n=name, t=text, b=by: case_services.referral_act(
                    referral=r, by=b, name=n, expected_version=r.version, text=t
                ),
            ):
                self.tally.referrals[name] += 1


def days(start: dt.date, n: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n)]


def is_workday(day: dt.date) -> bool:
    return workdays.is_workday(day)
