"""Planted situations in hand-built registry rows, for screening tests.

Each function builds one household in 东方广场社区 (500101001001, urban) as of ``TODAY`` through the
registry's own services, so the snapshot reads exactly what a worker or a feed would leave.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from minzheng.registry import services
from minzheng.registry.models import Household, Person
from tests.registry import factories as rf

TODAY = dt.date.today()
YEAR_AGO = TODAY - dt.timedelta(days=365)


def _person(name: str, birth: dt.date, **attributes: Any) -> Person:
    return rf.person(None, name=name, birth=birth, **attributes)


def income(person: Person, amount: Decimal | int, kind: str = "wage") -> None:
    """``amount`` yuan of ``kind`` income over the last twelve months."""
    services.fact_record(
        by=None,
        kind="income",
        person=person,
        values={
            "kind": kind,
            "amount": Decimal(amount),
            "period_start": YEAR_AGO,
            "period_end": TODAY - dt.timedelta(days=1),
        },
    )


def deposit(person: Person, value: Decimal | int) -> None:
    services.fact_record(
        by=None,
        kind="asset",
        person=person,
        values={"kind": "deposit", "value": Decimal(value), "as_of": TODAY - dt.timedelta(days=5)},
    )


def enrol(household: Household, programme: str = "dibao", person: Person | None = None) -> None:
    services.fact_record(
        by=None,
        kind="enrolment",
        person=person,
        household=household,
        values={
            "programme": programme,
            "start_date": TODAY - dt.timedelta(days=400),
            "monthly_amount": Decimal("500.00"),
        },
    )


def poor_household(name: str = "低保待发现户") -> Household:
    """Working-age head, tiny income, small deposit: eligible for 低保, not enrolled."""
    head = _person(name, dt.date(1981, 3, 2), work_capacity="partial", employment_status="farming")
    household = rf.household(None, head=head)
    income(head, 1200, kind="business")
    deposit(head, 800)
    return household


def enrolled_rich_household(name: str = "收入超标户") -> Household:
    """Enrolled in 低保, but now earns 60,000 a year: exit review (income above the line)."""
    head = _person(name, dt.date(1979, 7, 9), work_capacity="full", employment_status="employed")
    household = rf.household(None, head=head)
    income(head, 60000)
    deposit(head, 1000)
    enrol(household)
    return household


def hospitalised_household(name: str = "大病支出户") -> Household:
    """Modest income, 50,000 yuan out of pocket for a hospital stay last month: risk."""
    head = _person(name, dt.date(1972, 1, 15), work_capacity="full", employment_status="employed")
    household = rf.household(None, head=head)
    income(head, 30000)
    deposit(head, 5000)
    services.fact_record(
        by=None,
        kind="expenditure",
        person=head,
        values={
            "kind": "medical",
            "amount": Decimal("50000.00"),
            "date": TODAY - dt.timedelta(days=30),
        },
    )
    return household
