"""The public notice (公示): a 7-day list per village with names and ID numbers masked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from minzheng.cases.models import Case
from minzheng.cases.selectors.detail import programme_labels
from minzheng.cases.selectors.scope import VIEW, cases_visible
from minzheng.registry import selectors as registry_selectors


def mask_name(name: str) -> str:
    """张三 → 张*, 张三丰 → 张*丰, 欧阳小明 → 欧**明: the surname and the last character stay."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(masked: str) -> str:
    """The registry's masked ID number (address code and last four kept)."""
    return masked


@dataclass(frozen=True)
class NoticeRow:
    """One household on the notice."""

    case: Case
    name: str
    id_number: str
    members: int
    programmes: str
    starts_on: dt.date | None
    ends_on: dt.date | None


def notice_rows(*, user: Any, village: Any, today: dt.date) -> list[NoticeRow]:
    """Households of ``village`` whose notice runs on ``today`` (in ``user``'s scope)."""
    cases = (
        cases_visible(user, VIEW)
        .filter(
            division=village,
            notice_starts_on__lte=today,
            notice_ends_on__gte=today,
        )
        .order_by("notice_starts_on", "number")
    )
    rows = []
    for case in cases:
        head = case.household.head
        rows.append(
            NoticeRow(
                case=case,
                name=mask_name(head.name) if head else "",
                id_number=mask_id_number(head.id_number_masked) if head else "",
                members=len(registry_selectors.counted_members(case.household, today)),
                programmes="、".join(label for _n, label in programme_labels(case.programmes)),
                starts_on=case.notice_starts_on,
                ends_on=case.notice_ends_on,
            )
        )
    return rows


def notice_villages(*, user: Any, today: dt.date) -> list[tuple[Any, int]]:
    """Villages in ``user``'s scope with a notice running today, and how many households."""
    counts: dict[int, int] = {}
    villages: dict[int, Any] = {}
    for case in cases_visible(user, VIEW).filter(
        notice_starts_on__lte=today, notice_ends_on__gte=today
    ):
        counts[case.division_id] = counts.get(case.division_id, 0) + 1
        villages[case.division_id] = case.division
    return sorted(((villages[k], n) for k, n in counts.items()), key=lambda v: v[0].code)
