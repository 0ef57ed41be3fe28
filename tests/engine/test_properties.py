"""Properties that hold for any household (hypothesis), checked in batched population runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minzheng.engine import evaluate, seed_snapshot, situations

DAY = dt.date(2025, 8, 1)
SNAP = seed_snapshot(DAY)
MAX_ADDON = max(
    Decimal(str(SNAP.value(f"dibao.addon.{k}"))) for k in ("student", "severe", "disabled")
)

member = st.fixed_dictionaries(
    {
        "relation": st.sampled_from(["spouse", "child", "parent", "sibling", "other"]),
        "age": st.integers(min_value=0, max_value=95),
        "income": st.dictionaries(
            st.sampled_from(["wage", "business", "pension", "basic_pension"]),
            st.integers(min_value=0, max_value=2500),
            max_size=2,
        ),
        "school": st.sampled_from(["none", "primary", "senior"]),
        "apart": st.sampled_from(["", "", "", "prison", "missing"]),
        "major_illness": st.booleans(),
    }
)
household = st.fixed_dictionaries(
    {
        "household": st.fixed_dictionaries({"area": st.sampled_from(["urban", "rural"])}),
        "members": st.lists(member, min_size=1, max_size=4).map(
            lambda ms: [{**ms[0], "relation": "head", "apart": ""}, *ms[1:]]
        ),
        "assets": st.lists(
            st.fixed_dictionaries(
                {
                    "kind": st.sampled_from(["deposit", "car", "motorcycle"]),
                    "value": st.integers(min_value=0, max_value=60000),
                    "member": st.just(0),
                }
            ),
            max_size=2,
        ),
    }
)


def _run(households: list[dict[str, Any]], extra: int = 0) -> dict[tuple[Any, ...], dict[str, Any]]:
    parts = []
    for i, h in enumerate(households):
        if extra:
            head = dict(h["members"][0])
            head["income"] = {**head["income"], "wage": head["income"].get("wage", 0) + extra}
            h = {**h, "members": [head, *h["members"][1:]]}
        parts.append(situations.build(h, DAY, household_id=i + 1, first_person=(i + 1) * 10))
    rows = evaluate(situations.combine(parts), SNAP).to_pyarrow().to_pylist()
    return {(r["household_id"], r["programme"], r["person_id"]): r for r in rows}


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(household, min_size=4, max_size=8), st.integers(min_value=1, max_value=3000))
def test_more_income_never_makes_newly_eligible_and_amount_is_bounded(
    households: list[dict[str, Any]], extra: int
) -> None:
    before = _run(households)
    after = _run(households, extra)
    for i in range(1, len(households) + 1):
        a, b = before[(i, "dibao", None)], after[(i, "dibao", None)]
        if b["status"] == "eligible":
            assert a["status"] == "eligible"
        if a["status"] == "eligible" and a["monthly_amount"] is not None:
            bound = (a["standard"] + MAX_ADDON) * a["counted_members"]
            assert Decimal(0) <= a["monthly_amount"] <= bound


@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(household, min_size=3, max_size=6), st.data())
def test_household_alone_equals_its_row_in_the_population(
    households: list[dict[str, Any]], data: st.DataObject
) -> None:
    everyone = _run(households)
    pick = data.draw(st.integers(min_value=0, max_value=len(households) - 1))
    part = situations.build(
        households[pick], DAY, household_id=pick + 1, first_person=(pick + 1) * 10
    )
    alone = evaluate(situations.combine([part]), SNAP).to_pyarrow().to_pylist()
    assert [r["household_id"] for r in alone if r["programme"] == "dibao"] == [pick + 1]
    for row in alone:
        assert everyone[(row["household_id"], row["programme"], row["person_id"])] == row
