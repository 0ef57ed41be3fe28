"""Who may reach the case pages and API (run by tests/test_every_page_scoped.py).

Each case makes a household in 东方广场社区 (高笋塘街道, 万州区, 500101001001) whose head is
called ``MARKER`` and opens a case for it (through the services, as the system). The in-scope user
holds the action over 高笋塘街道 (500101001), the out-of-scope one over 巫山县 (500237).
Referrals go to the test org unit of 万州区 (``scope-test-500101``, the unit of users made for
500101): its users are "inside" for the receiving side; the unit of 巫山县's users is not.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from minzheng.cases import services
from minzheng.cases.models import Case, CaseDocument, Referral
from minzheng.divisions.models import Division
from tests.cases import factories as f
from tests.monitoring import factories as mf
from tests.scope import scope_case, scope_org_unit

MARKER = "范围标记户主"
INSIDE = f.TOWNSHIP
OUTSIDE = f.OTHER_COUNTY
RECEIVER = f.COUNTY  # the referral receiver's division (its scope-test org unit)


def _case(status: str = Case.Status.REGISTERED) -> Case:
    household = f.elderly_household(name=MARKER, spouse=False)
    case = services.case_open(household=household, by=None)
    if status != Case.Status.REGISTERED:
        services.case_accept(case=case, by=None, expected_version=case.version)
        case.refresh_from_db()
    return case


def _number() -> dict[str, str]:
    return {"number": _case().number}


def _accepted_number() -> dict[str, str]:
    return {"number": _case(Case.Status.ACCEPTED).number}


def _step_kwargs() -> dict[str, str]:
    return {"number": _case(Case.Status.ACCEPTED).number, "step": "start_check"}


def _print_kwargs() -> dict[str, str]:
    return {"number": _case(Case.Status.ACCEPTED).number, "document": "approval_form"}


def _document_kwargs() -> dict[str, Any]:
    case = _case()
    document = services.document_upload(
        case=case, by=None, kind=CaseDocument.Kind.APPLICATION, upload=f.pdf_upload("申请书.pdf")
    )
    return {"number": case.number, "pk": document.pk}


def _household_kwargs() -> dict[str, str]:
    return {"household": f.elderly_household(name=MARKER, spouse=False).number}


def _referral(case: Case | None = None) -> Referral:
    """A referral to the receiving test unit (created directly: that unit is no agency)."""
    case = case or _case()
    today = timezone.localdate()
    referral = Referral.objects.create(
        case=case,
        to_org_unit=scope_org_unit(Division.objects.get(code=RECEIVER)),
        kind=Referral.Kind.MEDICAL,
        need="scope-referral-need",
        due_on=today + dt.timedelta(days=10),
    )
    return referral


def _referral_kwargs() -> dict[str, int]:
    return {"pk": _referral().pk}


def _api_referral_kwargs() -> dict[str, int]:
    return {"referral_id": _referral().pk}


def _withdraw_kwargs() -> dict[str, Any]:
    referral = _referral()
    return {"number": referral.case.number, "pk": referral.pk}


def _in_payment() -> None:
    """A case paying this month (set directly; the decision itself is tested elsewhere)."""
    case = _case(Case.Status.ACCEPTED)
    month = timezone.localdate().replace(day=1)
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.IN_PAYMENT,
        decision=Case.Decision.APPROVED,
        monthly_amount=Decimal("770.00"),
        payment_start_month=month,
        approved_programmes=[{"programme": "dibao", "label": "低保", "monthly_amount": "770.00"}],
    )
    case.refresh_from_db()
    services.payment_create(case=case, month=month, by=None)


def _notice() -> None:
    """A case whose public notice runs today."""
    case = _case(Case.Status.ACCEPTED)
    today = timezone.localdate()
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.PUBLIC_NOTICE,
        notice_starts_on=today - dt.timedelta(days=2),
        notice_ends_on=today + dt.timedelta(days=5),
    )


def _upload_data() -> dict[str, Any]:
    return {"kind": CaseDocument.Kind.APPLICATION, "file": f.pdf_upload("申请书.pdf"), "note": ""}


def _referral_data() -> dict[str, Any]:
    return {"kind": Referral.Kind.MEDICAL, "to_org_unit": f.agency().pk, "need": "住院费用高"}


def _alert_kwargs() -> dict[str, int]:
    return {"alert_id": mf.alert(f.elderly_household(name=MARKER, spouse=False)).pk}


def _roll_data() -> dict[str, str]:
    return {"county": f.COUNTY, "month": timezone.localdate().strftime("%Y-%m")}


CASES = [
    scope_case(
        "cases:worklist",
        action="case.view",
        inside=INSIDE,
        outside=OUTSIDE,
        setup=_case,
        shows=MARKER,
    ),
    scope_case(
        "cases:list", action="case.view", inside=INSIDE, outside=OUTSIDE, setup=_case, shows=MARKER
    ),
    scope_case(
        "cases:open", kwargs=_household_kwargs, action="case.work", inside=INSIDE, outside=OUTSIDE
    ),
    scope_case("cases:detail", kwargs=_number, action="case.view", inside=INSIDE, outside=OUTSIDE),
    scope_case(
        "cases:step",
        kwargs=_step_kwargs,
        action="case.work",
        inside=INSIDE,
        outside=OUTSIDE,
        method="post",
        data={"version": 2},
        expect=302,
    ),
    scope_case(
        "cases:document_upload",
        kwargs=_number,
        action="case.work",
        inside=INSIDE,
        outside=OUTSIDE,
        method="post",
        data=_upload_data,
        expect=302,
    ),
    scope_case(
        "cases:document_download",
        kwargs=_document_kwargs,
        action="case.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "cases:print", kwargs=_print_kwargs, action="case.view", inside=INSIDE, outside=OUTSIDE
    ),
    scope_case(
        "cases:referral_create",
        kwargs=_number,
        action="case.work",
        inside=INSIDE,
        outside=OUTSIDE,
        method="post",
        data=_referral_data,
        expect=302,
    ),
    scope_case(
        "cases:referral_withdraw",
        kwargs=_withdraw_kwargs,
        action="case.work",
        inside=INSIDE,
        outside=OUTSIDE,
        method="post",
        data={"action": "withdraw", "version": 1, "text": "需求已解决"},
        expect=302,
    ),
    scope_case(
        "cases:from_alert",
        kwargs=_alert_kwargs,
        action="case.work",
        inside=INSIDE,
        outside=OUTSIDE,
        method="post",
        expect=302,
    ),
    scope_case(
        "cases:notice_list",
        action="case.view",
        inside=INSIDE,
        outside=OUTSIDE,
        setup=_notice,
        shows="东方广场社区",
    ),
    scope_case(
        "cases:notice_print",
        kwargs={"village": f.VILLAGE},
        action="case.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "cases:payment_roll",
        action="payment.export",
        inside=INSIDE,
        outside=OUTSIDE,
        setup=_in_payment,
        data=_roll_data,
        shows=MARKER,
    ),
    scope_case(
        "cases:referral_list",
        action="referral.answer",
        inside=RECEIVER,
        outside=OUTSIDE,
        setup=_referral,
        shows="scope-referral-need",
    ),
    scope_case(
        "cases:referral_detail",
        kwargs=_referral_kwargs,
        action="referral.answer",
        inside=RECEIVER,
        outside=OUTSIDE,
    ),
    scope_case(
        "cases:referral_answer",
        kwargs=_referral_kwargs,
        action="referral.answer",
        inside=RECEIVER,
        outside=OUTSIDE,
        method="post",
        data={"action": "accept", "version": 1},
        expect=302,
    ),
    scope_case(
        "api:cases_list",
        action="case.view",
        inside=INSIDE,
        outside=OUTSIDE,
        setup=_case,
        shows=f"{f.TOWNSHIP}-",
    ),
    scope_case(
        "api:cases_detail", kwargs=_number, action="case.view", inside=INSIDE, outside=OUTSIDE
    ),
    scope_case(
        "api:cases_referrals",
        action="referral.answer",
        inside=RECEIVER,
        outside=OUTSIDE,
        setup=_referral,
        shows="scope-referral-need",
    ),
    scope_case(
        "api:cases_referral",
        kwargs=_api_referral_kwargs,
        action="referral.answer",
        inside=RECEIVER,
        outside=OUTSIDE,
    ),
    scope_case(
        "api:cases_referral_answer",
        kwargs=_api_referral_kwargs,
        action="referral.answer",
        inside=RECEIVER,
        outside=OUTSIDE,
        method="post",
        data={"action": "accept", "version": 1},
    ),
]
