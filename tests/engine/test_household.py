"""The three ways one plan runs give the same rows: the prepared household engine (a few
households in memory), the whole-population run in chunks (Parquet parts), and one household
explained alone. The rule cases are the population."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from minzheng.engine import evaluate, schema, seed_snapshot, situations
from minzheng.engine.explanation import explain, explain_household
from minzheng.engine.household import arrow_slice
from minzheng.engine.population import load_population

from .test_rules import CASES

# The two dates with the most cases (compiling a plan per date is what a test pays for).
_COUNTS: dict[dt.date, int] = defaultdict(int)
for _case in CASES:
    _COUNTS[_case["date"]] += 1
DATES = sorted(sorted(_COUNTS, key=lambda d: -_COUNTS[d])[:2])


def _tables(day: dt.date) -> dict[str, pa.Table]:
    return situations.combine(
        [
            situations.build(c, day, household_id=c["household_id"], first_person=c["first_person"])
            for c in CASES
            if c["date"] == day
        ]
    )


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["programme"], row["household_id"], row["person_id"] or 0)


@pytest.mark.parametrize("day", DATES, ids=[d.isoformat() for d in DATES])
def test_prepared_engine_equals_the_chunked_population_run(day: dt.date, tmp_path: Path) -> None:
    tables = _tables(day)
    in_memory = evaluate(tables, as_of=day).to_pyarrow()
    # The files leave out what is the same on every row of a programme.
    prepared = in_memory.drop_columns(list(schema.PER_PROGRAMME)).to_pylist()
    # Parquet input: the population path, in chunks of a few persons.
    for name, table in tables.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
    ev = evaluate(load_population(tmp_path), as_of=day)
    parts = ev.write_parts(tmp_path / "out", chunk_persons=5)
    assert len(parts) > (2 if _COUNTS[day] > 10 else 0)
    chunked = pa.concat_tables([pq.read_table(p) for p in parts]).to_pylist()
    assert sorted(chunked, key=_key) == prepared
    # Every household of that day's cases is decided for 低保 (so the comparison is not vacuous).
    dibao_households = {r["household_id"] for r in prepared if r["programme"] == "dibao"}
    assert dibao_households == {c["household_id"] for c in CASES if c["date"] == day}


def test_each_household_alone_equals_its_rows_in_the_population() -> None:
    day = dt.date(2025, 8, 1)
    tables = _tables(day)
    everyone: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in evaluate(tables, as_of=day).to_pyarrow().to_pylist():
        everyone[row["household_id"]].append(row)
    checked = 0
    for case in CASES:
        if case["date"] != day:
            continue
        hid = case["household_id"]
        alone_tables = arrow_slice(tables, [hid])
        alone = evaluate(alone_tables, as_of=day).to_pyarrow().to_pylist()
        assert alone == everyone[hid]
        explained = explain_household(alone_tables, hid, as_of=day)
        statuses = sorted(
            (e.programme, s["person_id"] or 0, s["status"])
            for e in explained.values()
            for s in e.subjects
        )
        assert statuses == sorted(
            (r["programme"], r["person_id"] or 0, r["status"]) for r in everyone[hid]
        )
        checked += 1
    assert checked > 50


def test_explanation_names_conditions_parameters_and_sources() -> None:
    day = dt.date(2025, 8, 1)
    case = {
        "members": [
            {"relation": "head", "age": 45, "income": {"wage": 700}},
            {"relation": "child", "age": 10, "school": "primary"},
        ],
        "assets": [{"kind": "deposit", "value": 1000, "member": 0}],
    }
    tables = situations.combine([situations.build(case, day, household_id=7, first_person=70)])
    e = explain(tables, 7, "dibao", as_of=day)
    data = json.loads(e.to_json())
    subject = data["subjects"][0]
    assert subject["status"] == "eligible"
    # (770 × 2 − 700) + the student's add-on
    addon = seed_snapshot(day).value("dibao.addon.student")
    assert Decimal(subject["monthly_amount"]) == Decimal(840) + Decimal(str(addon))
    codes = {c["code"]: c["met"] for c in subject["conditions"]}
    assert codes["income_below_standard"] is True
    standard = next(p for p in data["parameters"] if p["name"] == "dibao.standard.urban")
    assert standard["value"] == "770" and standard["source"]
    assert [r["source"] for r in data["inputs"]["incomes"]] == ["situation"]
    assert "最低生活保障" in e.render()


def test_any_text_reaches_the_household_engine_unchanged(tmp_path: Path) -> None:
    """The household engine writes a household's rows as SQL literals: quotes, semicolons,
    backslashes and a NUL character (which no literal can hold) give the rows of the
    whole-population run read from Parquet."""
    day = dt.date(2025, 8, 1)
    divisions = {1: "500'1;--\\", 2: "5001\x0002", 3: "五〇〇一''"}
    case = {
        "members": [
            {"relation": "head", "age": 45, "income": {"wage": 700}},
            {"relation": "child", "age": 10, "school": "primary"},
        ],
    }
    tables = situations.combine(
        [
            situations.build(
                {**case, "household": {"division": code}},
                day,
                household_id=hid,
                first_person=hid * 10,
            )
            for hid, code in divisions.items()
        ]
    )
    for name, table in tables.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
    parts = evaluate(load_population(tmp_path), as_of=day).write_parts(tmp_path / "out")
    whole = pa.concat_tables([pq.read_table(p) for p in parts]).to_pylist()
    for hid, code in divisions.items():
        alone = evaluate(arrow_slice(tables, [hid]), as_of=day).to_pyarrow()
        rows = alone.drop_columns(list(schema.PER_PROGRAMME)).to_pylist()
        assert rows == sorted((r for r in whole if r["household_id"] == hid), key=_key)
        assert {r["division_code"] for r in rows} == {code}


def test_explanation_json_is_its_dict_indented() -> None:
    day = dt.date(2025, 8, 1)
    tables = _tables(day)
    hid = next(c["household_id"] for c in CASES if c["date"] == day and c.get("assets"))
    explained = explain_household(arrow_slice(tables, [hid]), hid, as_of=day)
    for e in explained.values():
        data = e.as_dict()
        assert data["inputs"]["assets"] and data["inputs"]["persons"]
        assert e.to_json() == json.dumps(data, ensure_ascii=False, indent=2)
