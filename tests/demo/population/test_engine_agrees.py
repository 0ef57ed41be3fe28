"""The engine, run on the generated tables, finds the planted 低保 situations as planted."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc

from minzheng.engine import evaluate
from tests.demo.population.conftest import AS_OF

ELIGIBLE = {"dibao_enrolled", "eligible_not_enrolled", "tekun_enrolled", "tekun_not_enrolled"}
INELIGIBLE = {
    "exit_income_rose",
    "exit_vehicle",
    "exit_business",
    "exit_death_sole_member",
    "low_income_high_assets",
    "near_dibao",
    "member_in_prison",
    "member_missing",
    "shock_hospitalisation",
    "shock_unemployment",
    "shock_disability",
    "none",
}


def test_dibao_determinations_match_the_planted_situations(
    population: dict[str, pa.Table],
) -> None:
    tables = {name: table for name, table in population.items() if name != "planted_situations"}
    planted = population["planted_situations"]
    situation = dict(
        zip(
            planted.column("household_id").to_pylist(),
            planted.column("situation").to_pylist(),
            strict=True,
        )
    )

    determinations = evaluate(tables, None, as_of=AS_OF).to_pyarrow()
    dibao = determinations.filter(pc.equal(determinations.column("programme"), "dibao"))
    found = Counter(
        (situation[h], status)
        for h, status in zip(
            dibao.column("household_id").to_pylist(),
            dibao.column("status").to_pylist(),
            strict=True,
        )
    )

    wrong = {
        key: count
        for key, count in found.items()
        if (key[0] in ELIGIBLE and key[1] != "eligible")
        or (key[0] in INELIGIBLE and key[1] != "ineligible")
    }
    assert wrong == {}
    assert sum(c for (s, st), c in found.items() if s in ELIGIBLE and st == "eligible") > 100
