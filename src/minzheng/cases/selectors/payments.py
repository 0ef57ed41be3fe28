"""The monthly payment roll per county (发放名册): one row per case paying that month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from minzheng.cases.selectors.detail import programme_labels
from minzheng.cases.selectors.scope import EXPORT, payments_visible
from minzheng.registry import selectors as registry_selectors


@dataclass(frozen=True)
class RollRow:
    """One line of the roll."""

    number: int
    case_number: str
    household_number: str
    head_name: str
    head_id_masked: str
    village: str
    township: str
    programmes: str
    members: int
    amount: Decimal


def payment_roll(*, user: Any, county: Any, month: dt.date) -> list[RollRow]:
    """The roll of ``county`` for ``month`` (first day), in ``user``'s scope under payment.export."""
    payments = (
        payments_visible(user, EXPORT)
        .filter(month=month, case__division__path__startswith=county.path)
        .order_by("case__division__code", "case__number")
    )
    rows = []
    for i, payment in enumerate(payments, start=1):
        case = payment.case
        head = case.household.head
        rows.append(
            RollRow(
                number=i,
                case_number=case.number,
                household_number=case.household.number,
                head_name=head.name if head else "",
                head_id_masked=head.id_number_masked if head else "",
                village=case.division.name,
                township=case.division.parent.name if case.division.parent else "",
                programmes="、".join(label for _n, label in programme_labels(payment.programmes)),
                members=len(registry_selectors.counted_members(case.household, month)),
                amount=payment.amount,
            )
        )
    return rows
