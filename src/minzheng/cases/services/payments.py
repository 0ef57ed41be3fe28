"""Payments: the month's amount for every case in payment — the county's monthly payment roll.

A case pays from the month of approval (``payment_start_month``) while it is in payment, and
during gradual exit until ``exit_ends_on``. Rows are created once per case and month
(``payment_create`` is idempotent); ``payments_generate`` fills a month for every paying case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from minzheng.audit.services import record_event
from minzheng.cases.models import Case, Payment
from minzheng.cases.services._common import subject_key

PAYING_STATUSES = (Case.Status.IN_PAYMENT, Case.Status.EXITING)


def paying_cases(month: dt.date) -> QuerySet[Case]:
    """The cases that pay for ``month`` (its first day): in payment or in gradual exit."""
    return Case.objects.filter(
        Q(status=Case.Status.IN_PAYMENT) | Q(status=Case.Status.EXITING, exit_ends_on__gte=month),
        payment_start_month__lte=month,
        monthly_amount__gt=0,
    )


def _monthly_programmes(case: Case) -> list[str]:
    return [p["programme"] for p in case.approved_programmes if p.get("monthly_amount")]


@transaction.atomic
def payment_create(*, case: Case, month: dt.date, by: Any) -> Payment:
    """The payment of ``case`` for ``month`` (created once; the existing row otherwise)."""
    existing = Payment.objects.filter(case=case, month=month).first()
    if existing is not None:
        return existing
    if case.monthly_amount is None:
        raise ValidationError("该案件没有核定月救助金额。")
    payment = Payment(
        case=case,
        month=month,
        amount=case.monthly_amount,
        programmes=_monthly_programmes(case),
        created_by=by if getattr(by, "pk", None) else None,
    )
    payment.full_clean()
    payment.save()
    record_event(
        actor=by,
        action="payment.create",
        obj=payment,
        after={"case": case.number, "month": month, "amount": payment.amount},
        division_code=case.division.code,
        subject_key=subject_key(case.household),
    )
    return payment


def payments_generate(*, month: dt.date, by: Any, path_prefix: str = "") -> int:
    """Create the missing payments of ``month`` for every paying case (under ``path_prefix``).

    Returns how many were created.
    """
    cases = paying_cases(month).exclude(payments__month=month)
    if path_prefix:
        cases = cases.filter(division__path__startswith=path_prefix)
    created = 0
    for case in cases.select_related("division", "household__head"):
        payment_create(case=case, month=month, by=by)
        created += 1
    return created


def payment_roll_exported(*, by: Any, county: Any, month: dt.date, rows: int) -> None:
    """Record that ``by`` downloaded the roll of ``county`` for ``month`` (names and amounts)."""
    with transaction.atomic():
        record_event(
            actor=by,
            action="payment.roll.export",
            obj=county,
            after={"county": county.code, "month": month, "rows": rows},
            division_code=county.code,
        )
