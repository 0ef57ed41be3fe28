"""What several feed declarations share: the data-date column and small plan helpers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from minzheng.registry.ingest import columns as c
from minzheng.registry.ingest.spec import Column, FactPlan, RowPlan


def data_date(header: str = "数据日期", *, required: bool = False, **kw: Any) -> Column:
    """The date a snapshot (deposits, homes, vehicles, business roles) holds on."""
    return c.day(
        "as_of",
        header,
        required=required,
        help="数据截至的日期" + ("" if required else "；不填为导入当天"),
        **kw,
    )


def as_of(values: Mapping[str, Any]) -> date:
    """The row's data date, or today when the feed's file does not say."""
    found = values.get("as_of")
    return found if isinstance(found, date) else date.today()


def person_row(values: Mapping[str, Any], **kw: Any) -> RowPlan:
    """A plan about an existing person: the ID number and the name given (to check it)."""
    return RowPlan(id_number=values["id_number"], name=str(values.get("name") or ""), **kw)


def life_event(kind: str, when: date, *, detail: str = "", amount: Any = None) -> FactPlan:
    """A life event of the row's person on ``when``."""
    return FactPlan("life_event", {"kind": kind, "date": when, "detail": detail, "amount": amount})
