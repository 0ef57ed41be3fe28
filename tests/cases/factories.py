"""Test data for cases: workers and officers in real divisions, households the engine decides, and
a helper that walks a case through the procedure to any step.

Places (real codes): 万州区 (500101) 高笋塘街道 (500101001) 东方广场社区 (500101001001, urban);
巫山县 (500237) for out-of-scope checks. Dates: the procedure runs in November 2026, across no
holiday unless a test says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.accounts.models import OrgUnit
from minzheng.cases import services
from minzheng.cases.models import Case, CaseDocument, Referral
from minzheng.divisions.models import Division
from minzheng.registry import services as registry_services
from minzheng.registry.models import Household
from tests.registry import factories as rf
from tests.scope import make_scoped_user

COUNTY = "500101"
TOWNSHIP = "500101001"
VILLAGE = "500101001001"
OTHER_COUNTY = "500237"
OTHER_VILLAGE = "500237001001"

WORKER_ACTIONS = ("case.view", "case.work", "household.view")
OFFICER_ACTIONS = ("case.view", "case.decide", "payment.export")

START = dt.date(2026, 11, 2)  # a Monday
SINCE = dt.date(2020, 1, 1)  # households are recorded long before


def worker(division: str = TOWNSHIP, **kwargs: Any) -> Any:
    return make_scoped_user(WORKER_ACTIONS, division=division, **kwargs)


def officer(division: str = COUNTY, **kwargs: Any) -> Any:
    return make_scoped_user(OFFICER_ACTIONS, division=division, **kwargs)


def elderly_household(
    *, name: str = "王德福", village: str = VILLAGE, age: int = 72, spouse: bool = True
) -> Household:
    """An elderly couple without income in an urban community: eligible for 低保."""
    birth = dt.date(2026 - age, 3, 1)
    head = rf.person(None, name=name, birth=birth)
    household = rf.household(None, village=village, head=head, on=SINCE)
    if spouse:
        wife = rf.person(None, name="李秀英", birth=dt.date(2026 - age + 2, 6, 1), sex="F")
        registry_services.member_add(
            by=None, household=household, person=wife, relation="spouse", on=SINCE
        )
    return household


def wealthy_household(*, name: str = "赵有钱", village: str = VILLAGE) -> Household:
    """A working-age head with a good wage: eligible for nothing."""
    head = rf.person(None, name=name, birth=dt.date(1985, 1, 1), work_capacity="full")
    household = rf.household(None, village=village, head=head, on=SINCE)
    registry_services.fact_record(
        by=None,
        kind="income",
        person=head,
        household=household,
        values={
            "kind": "wage",
            "amount": 120000,
            "period_start": dt.date(2025, 10, 1),
            "period_end": dt.date(2026, 9, 30),
        },
    )
    return household


def pdf_upload(name: str = "授权书.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test\n", content_type="application/pdf")


def png_upload(name: str = "入户照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")


def open_case(household: Household | None = None, by: Any = None) -> Case:
    household = household or elderly_household()
    return services.case_open(household=household, by=by, programmes=["dibao"])


ORDER = (
    Case.Status.REGISTERED,
    Case.Status.ACCEPTED,
    Case.Status.CHECKING,
    Case.Status.VISITING,
    Case.Status.TOWNSHIP_REVIEW,
    Case.Status.PUBLIC_NOTICE,
    Case.Status.COUNTY_DECISION,
    Case.Status.IN_PAYMENT,
)


def walk(
    case: Case, to: str, *, by: Any = None, county: Any = None, start: dt.date = START
) -> Case:
    """Move ``case`` forward along the approval path until it reaches ``to``.

    Days: accepted on ``start``, check the next day, visit and review on day 3, notice 7 days,
    to the county when it ends, decided two days later.
    """
    target = ORDER.index(to)
    day = start
    while ORDER.index(case.status) < target:
        v = case.version
        if case.status == Case.Status.REGISTERED:
            services.case_accept(case=case, by=by, expected_version=v, on=day)
        elif case.status == Case.Status.ACCEPTED:
            services.case_start_check(
                case=case, by=by, expected_version=v, on=day + dt.timedelta(1)
            )
        elif case.status == Case.Status.CHECKING:
            services.document_upload(
                case=case, by=by, kind=CaseDocument.Kind.AUTHORISATION, upload=pdf_upload()
            )
            services.case_finish_check(
                case=case,
                by=by,
                expected_version=v,
                summary="未发现车辆、房产、工商登记。",
                on=day + dt.timedelta(1),
            )
        elif case.status == Case.Status.VISITING:
            services.case_finish_visit(
                case=case,
                by=by,
                expected_version=v,
                notes="两位老人同住，无劳动能力。",
                visited_on=day + dt.timedelta(2),
                on=day + dt.timedelta(2),
            )
        elif case.status == Case.Status.TOWNSHIP_REVIEW:
            services.case_review(
                case=case,
                by=by,
                expected_version=v,
                opinion="符合低保条件，拟予救助。",
                recommendation=Case.Recommendation.APPROVE,
                on=day + dt.timedelta(2),
            )
        elif case.status == Case.Status.PUBLIC_NOTICE:
            assert case.notice_ends_on is not None
            services.case_end_notice(case=case, by=by, expected_version=v, on=case.notice_ends_on)
        elif case.status == Case.Status.COUNTY_DECISION:
            assert case.notice_ends_on is not None
            services.case_decide(
                case=case,
                by=county,
                expected_version=v,
                decision=Case.Decision.APPROVED,
                reasons="经审核，符合最低生活保障条件。",
                on=case.notice_ends_on + dt.timedelta(2),
            )
        case.refresh_from_db()
    return case


def org_unit(kind: str, *, code: str, name: str, division: str = COUNTY) -> OrgUnit:
    unit, _created = OrgUnit.objects.get_or_create(
        code=code,
        defaults={"name": name, "kind": kind, "division": Division.objects.get(code=division)},
    )
    return unit


def agency() -> OrgUnit:
    return org_unit(OrgUnit.Kind.PARTNER_AGENCY, code="test-agency-medical", name="测试医保局")


def charity(code: str = "test-charity", name: str = "测试慈善基金会") -> OrgUnit:
    return org_unit(OrgUnit.Kind.CHARITY, code=code, name=name)


def unit_user(unit: OrgUnit, actions: tuple[str, ...] = ("referral.answer",)) -> Any:
    """A user of ``unit`` holding ``actions`` over the unit's division."""
    return make_scoped_user(actions, division=unit.division.code, org_unit=unit)


def refer(
    case: Case, unit: OrgUnit, *, by: Any = None, kind: str = "", need: str = "住院自付费用较高。"
) -> Referral:
    chosen = kind or (
        Referral.Kind.CHARITY
        if unit.kind in (OrgUnit.Kind.CHARITY, OrgUnit.Kind.SOCIAL_ORGANIZATION)
        else Referral.Kind.MEDICAL
    )
    return services.referral_send(
        case=case,
        by=by,
        to_org_unit=unit,
        kind=chosen,
        need=need,
        consent_upload=pdf_upload("同意书.pdf") if services.needs_consent(unit) else None,
    )


def make_view_user(division: str) -> Any:
    """A user who only looks (case.view) over ``division``."""
    return make_scoped_user(("case.view",), division=division)
