"""DuckDB computes no step of the plan in integers wider than the plan declares.

Ibis types the sum of an int64 column as int64, DuckDB as HUGEINT (128 bits); where a cast to
int64 was left to Ibis it dropped it as a no-op, and every figure derived from a sum was
computed, compared and kept in 128-bit arithmetic — correct, but a whole-population run spent
about an eighth of its instructions on it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from minzheng.engine import evaluate
from minzheng.engine.plan import Run, compiled
from minzheng.engine.population import load_population
from tests.engine.populations import generated_population

DAY = dt.date(2025, 8, 1)
NARROW = {"BIGINT", "INTEGER", "SMALLINT", "TINYINT"}


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_population(tmp_path_factory, "types", persons=500, seed=5)


@pytest.mark.parametrize("packed_counts", [False, True], ids=["population", "household"])
def test_no_step_computes_wider_integers_than_declared(
    population: Path, packed_counts: bool
) -> None:
    ev = evaluate(load_population(population), as_of=DAY)
    plan = compiled(ev.snap, "duckdb", packed_counts=packed_counts)
    con = ev.population.con
    run = Run(con, plan)
    try:
        run.bind(ev.population.tables)
        checked = 0
        for step in plan.steps:
            view = run.name(step.name)
            con.raw_sql(f'CREATE OR REPLACE TEMP VIEW "{view}" AS {run.sql(step.sql)}')
            run.created.append(("VIEW", view))
            found = {row[0]: row[1] for row in con.con.execute(f'DESCRIBE "{view}"').fetchall()}
            for fld in plan.schemas[step.name]:
                if pa.types.is_int64(fld.type):
                    # int64 or narrower (a constant such as 1 is an INTEGER), never wider
                    assert found[fld.name] in NARROW, (step.name, fld.name, found[fld.name])
                    checked += 1
        assert checked > 100
    finally:
        run.close()
