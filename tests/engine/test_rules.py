"""The YAML rule cases (tests/engine/rules/*.yaml): situations a policy officer can read and check.

All cases of one date are evaluated together, one household each, in a single population run —
the same expressions as a whole-city screening.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from minzheng.engine import evaluate, situations

RULES = Path(__file__).parent / "rules"


def _load_cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(RULES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            cases.append({"file": path.stem, "programme": doc["programme"], **case})
    for index, case in enumerate(cases):
        case["household_id"] = index + 1
        case["first_person"] = (index + 1) * 100
        case["date"] = (
            case["date"]
            if isinstance(case["date"], dt.date)
            else dt.date.fromisoformat(case["date"])
        )
    return cases


CASES = _load_cases()


@cache
def _results(day: dt.date) -> dict[tuple[int, str, int | None], dict[str, Any]]:
    parts = [
        situations.build(c, day, household_id=c["household_id"], first_person=c["first_person"])
        for c in CASES
        if c["date"] == day
    ]
    table = evaluate(situations.combine(parts), as_of=day).to_pyarrow()
    out: dict[tuple[int, str, int | None], dict[str, Any]] = {}
    for row in table.to_pylist():
        out[(row["household_id"], row["programme"], row["person_id"])] = row
    return out


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 80
    per_file: dict[str, int] = defaultdict(int)
    for case in CASES:
        per_file[case["file"]] += 1
    assert set(per_file) >= {"dibao", "tekun", "near_dibao", "rigid_hardship", "temporary_aid"}


@pytest.mark.parametrize("case", CASES, ids=[f"{c['file']}:{c['name']}" for c in CASES])
def test_rule_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    person = None
    if "member" in expect:
        person = case["first_person"] + int(expect["member"])
    row = _results(case["date"]).get((case["household_id"], case["programme"], person))
    if expect["status"] == "none":
        assert row is None, f"expected no {case['programme']} row, got {row}"
        return
    assert row is not None, f"no {case['programme']} determination"
    assert row["status"] == expect["status"], row["reason_codes"]
    if "amount" in expect:
        want = (
            None
            if expect["amount"] is None
            else Decimal(str(expect["amount"])).quantize(Decimal("0.01"))
        )
        assert row["monthly_amount"] == want
    for reason in expect.get("reasons", []):
        assert reason in row["reason_codes"]
    if "detail" in expect:
        assert expect["detail"] in (row["detail"] or "")
