"""Population tables from a situation described in plain terms (rule tests, examples, demos).

A situation is what a policy officer would write: the date, the area, the members with their age,
disability, income per month, assets, spending, events and enrolments. ``build()`` turns it into
the eight population tables, with every record's ``source`` set to ``"situation"``. Monthly
incomes become one record covering the look-back window (12 months before the date) unless a
``months`` count is given; ``null`` amounts stay null (missing data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa

from minzheng.engine import schema
from minzheng.engine.expr import add_months

SOURCE = "situation"
URBAN_VILLAGE = "500103001001"  # a residents' committee code (001–199: urban)
RURAL_VILLAGE = "500230101200"  # a villagers' committee code (200–399: rural)


def _birth_date(age: int, day: dt.date) -> dt.date:
    """The birth date that makes someone exactly ``age`` on ``day`` (their birthday)."""
    try:
        return day.replace(year=day.year - age)
    except ValueError:  # 29 February
        return day.replace(year=day.year - age, day=28)


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def build(
    situation: Mapping[str, Any], as_of: dt.date, household_id: int = 1, first_person: int = 1
) -> dict[str, list[dict[str, Any]]]:
    """Rows for each population table (as dicts) for one household."""
    hh = situation.get("household", {}) or {}
    area = hh.get("area", "urban")
    division = hh.get("division") or (URBAN_VILLAGE if area == "urban" else RURAL_VILLAGE)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in schema.TABLES}
    members: Sequence[Mapping[str, Any]] = situation.get("members", []) or []
    lookback_start = add_months(as_of, -12)
    end = as_of - dt.timedelta(days=1)
    ids = []
    for i, mem in enumerate(members):
        pid = first_person + i
        ids.append(pid)
        dis = mem.get("disability") or {}
        status = mem.get("status", "living")
        birth = mem.get("birth_date")
        if birth is None and mem.get("age") is not None:
            birth = _birth_date(int(mem["age"]), as_of)
        rows["persons"].append(
            {
                "person_id": pid,
                "name": mem.get("name", f"成员{i + 1}"),
                "sex": mem.get("sex", "M" if i % 2 == 0 else "F"),
                "birth_date": birth,
                "life_status": "deceased" if status == "deceased" else status,
                "death_date": (as_of - dt.timedelta(days=30)) if status == "deceased" else None,
                "hukou_division": division,
                "residence_division": division,
                "disability_grade": dis.get("grade"),
                "disability_kind": dis.get("kind"),
                "self_care_items_lost": mem.get("self_care_lost", 0),
                "work_capacity": mem.get("work_capacity", "full"),
                "school_status": mem.get("school", "none"),
                "employment_status": mem.get("employment", "not_working"),
                "industry": mem.get("industry"),
                "major_illness": bool(mem.get("major_illness", False)),
                "lacks_civil_capacity": bool(mem.get("lacks_civil_capacity", False)),
                "source": SOURCE,
            }
        )
        rows["memberships"].append(
            {
                "household_id": household_id,
                "person_id": pid,
                "relation": mem.get("relation", "head" if i == 0 else "other"),
                "apart_reason": mem.get("apart", ""),
                "valid_from": dt.date(2000, 1, 1),
                "valid_to": None,
                "source": SOURCE,
            }
        )
        for kind, monthly in (mem.get("income") or {}).items():
            months = 12
            rows["incomes"].append(
                {
                    "person_id": pid,
                    "household_id": household_id,
                    "kind": kind,
                    "amount": None if monthly is None else _money(Decimal(str(monthly)) * months),
                    "period_start": lookback_start,
                    "period_end": end,
                    "source": SOURCE,
                }
            )
        for prog in mem.get("enrolled", []) or []:
            rows["enrolments"].append(
                {
                    "household_id": household_id,
                    "person_id": pid,
                    "programme": prog,
                    "start_date": add_months(as_of, -6),
                    "end_date": None,
                    "monthly_amount": None,
                    "source": SOURCE,
                }
            )
    rows["households"].append(
        {
            "household_id": household_id,
            "head_person_id": ids[0] if ids else None,
            "division_code": division,
            "area_type": area if area in ("urban", "rural") else None,
            "address": "",
            "source": SOURCE,
        }
    )

    def person_of(item: Mapping[str, Any]) -> int | None:
        idx = item.get("member")
        return None if idx is None else ids[int(idx)]

    for kind, monthly in (situation.get("household_income") or {}).items():
        rows["incomes"].append(
            {
                "person_id": None,
                "household_id": household_id,
                "kind": kind,
                "amount": None if monthly is None else _money(Decimal(str(monthly)) * 12),
                "period_start": lookback_start,
                "period_end": end,
                "source": SOURCE,
            }
        )
    for item in situation.get("assets", []) or []:
        rows["assets"].append(
            {
                "household_id": household_id,
                "person_id": person_of(item),
                "kind": item["kind"],
                "value": _money(item.get("value")),
                "floor_area": _money(item.get("floor_area")),
                "housing_grade": item.get("grade", ""),
                "business_role": item.get("role"),
                "business_operating": item.get("operating"),
                "as_of": as_of - dt.timedelta(days=10),
                "source": item.get("source", SOURCE),
            }
        )
    for item in situation.get("expenditures", []) or []:
        rows["expenditures"].append(
            {
                "household_id": household_id,
                "person_id": person_of(item),
                "kind": item["kind"],
                "amount": _money(item["amount"]),
                "date": add_months(as_of, -int(item.get("months_ago", 1))),
                "source": SOURCE,
            }
        )
    for item in situation.get("events", []) or []:
        rows["events"].append(
            {
                "household_id": household_id,
                "person_id": person_of(item),
                "kind": item["kind"],
                "date": as_of - dt.timedelta(days=int(item.get("days_ago", 10))),
                "amount": _money(item.get("amount")),
                "detail": "",
                "source": SOURCE,
            }
        )
    for item in situation.get("enrolments", []) or []:
        rows["enrolments"].append(
            {
                "household_id": household_id,
                "person_id": person_of(item),
                "programme": item["programme"],
                "start_date": add_months(as_of, -int(item.get("months_ago", 6))),
                "end_date": None,
                "monthly_amount": None,
                "source": SOURCE,
            }
        )
    return rows


def to_arrow(rows: Mapping[str, list[dict[str, Any]]]) -> dict[str, pa.Table]:
    """Row dicts as Arrow tables of the population schema."""
    return {
        name: pa.Table.from_pylist(list(rows.get(name, [])), schema=target)
        for name, target in schema.TABLES.items()
    }


def combine(parts: Sequence[Mapping[str, list[dict[str, Any]]]]) -> dict[str, pa.Table]:
    """Several households' rows as one population."""
    merged: dict[str, list[dict[str, Any]]] = {name: [] for name in schema.TABLES}
    for part in parts:
        for name, rows in part.items():
            merged[name].extend(rows)
    return to_arrow(merged)
