"""The determinations written to Parquet on DuckDB carry their reason codes as ENUM constants
from the start (``plan._reasons_as_enum``), not as text cast when written.

The conversion reads the SQL Ibis writes for the reason codes; if a new Ibis wrote them
otherwise, the parts would still be right (the codes cast when written) but slower: these
tests say so instead. That the parts' reason codes are the determinations' own is
``test_chunks.py``'s comparison of Parquet with ``to_pyarrow()``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from minzheng.engine import evaluate
from minzheng.engine.evaluation import seed_parameters
from minzheng.engine.plan import Run, _reasons_as_enum, compiled, reason_type
from minzheng.engine.population import load_population
from minzheng.engine.programmes import CATALOGUE
from tests.engine.populations import generated_population

DAY = dt.date(2025, 8, 1)


def test_every_programme_writes_its_reason_codes_as_enum_constants() -> None:
    plan = compiled(seed_parameters(DAY), "duckdb")
    assert set(plan.enum_determinations) == {p.name for p in CATALOGUE}
    name = reason_type()[0]
    for sql in plan.enum_determinations.values():
        assert f"::{name}]" in sql
        assert "AS TEXT[][]" not in sql


def test_sql_of_another_form_is_left_to_the_cast() -> None:
    assert _reasons_as_enum("SELECT ['x'] AS reason_codes") is None
    # a code outside the catalogue's words is not converted
    odd = "SELECT FLATTEN(CAST([CASE WHEN c THEN ['no_such:code'] ELSE [] END] AS TEXT[][]))"
    assert _reasons_as_enum(odd) is None


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_population(tmp_path_factory, "reasons", persons=800, seed=11)


def test_a_connection_without_the_type_falls_back_to_the_cast(population: Path) -> None:
    ev = evaluate(load_population(population), as_of=DAY)
    run = Run(ev.population.con, ev.plan)
    run._reason_type_ready = False  # as if the type could not be created there
    try:
        run.bind(ev.population.tables)
        sql = run.with_steps(run.output_sql(ev.names))
        assert reason_type()[0] not in sql
        rows = ev.population.con.con.execute(f"SELECT count(*) FROM ({sql})").fetchone()
        assert rows is not None and rows[0] > 0
    finally:
        run.close()
