"""The engine library itself: no Django, DuckDB without downloads, DuckDB and Spark identical."""

from __future__ import annotations

import datetime as dt
import importlib.util
import subprocess
import sys

import pytest

from minzheng.engine import evaluate, situations
from minzheng.engine.backends import connect_duckdb
from minzheng.engine.population import load_population

from .test_rules import CASES
from .test_spark_population import QUIET_CONVERSIONS, use_local_spark

DAY = dt.date(2025, 8, 1)


def test_engine_imports_without_django() -> None:
    code = (
        "import sys, minzheng.engine, minzheng.engine.evaluation, minzheng.engine.explanation;"
        "print('django' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_duckdb_never_downloads_extensions() -> None:
    con = connect_duckdb()
    settings = dict(
        con.raw_sql(
            "select name, value from duckdb_settings() where name like 'auto%_known_extensions'"
        ).fetchall()
    )
    assert settings == {
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    }


def _population() -> dict:
    parts = [
        situations.build(c, DAY, household_id=c["household_id"], first_person=c["first_person"])
        for c in CASES
        if c["date"] == DAY
    ]
    return situations.combine(parts)


@pytest.mark.spark
@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="spark extra not installed")
@pytest.mark.filterwarnings(*QUIET_CONVERSIONS)
def test_duckdb_and_spark_give_identical_determinations() -> None:
    use_local_spark()
    tables = _population()
    duck = evaluate(load_population(tables, "duckdb"), as_of=DAY).to_pyarrow()
    spark = evaluate(load_population(tables, "spark"), as_of=DAY).to_pyarrow()
    assert duck.num_rows > 100
    assert spark.to_pylist() == duck.to_pylist()
