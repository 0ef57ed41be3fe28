"""A generated Chongqing population of 100,000 persons screened on DuckDB and on PySpark gives the
same determinations, row for row and column for column (issue 4: "CI runs this on 100,000
persons"). Marked ``spark``: ``make test-spark`` installs the extra and runs it.

Both legs go through ``screening.screen`` — what ``minzheng screen --backend duckdb|spark --seed``
runs — so the comparison follows whatever the whole-population path of each backend does.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from minzheng.demo.population import GenerationResult, Options, generate
from minzheng.engine import schema, screening
from minzheng.engine.plan import ORDER
from minzheng.engine.programmes import CATALOGUE

DAY = dt.date(2025, 8, 1)
PERSONS = 100_000
SEED = 1
# Household programmes with a row for every household (special aid and the funeral waiver have
# rows only for households on a tier).
EVERY_HOUSEHOLD = ("dibao", "near_dibao", "rigid_hardship", "temporary_aid")
SPARK_CONF_DIR = Path(__file__).parent / "spark"  # log4j2.properties, spark-defaults.conf

# pandas 3 deprecations inside PySpark's and Ibis's conversions, not ours.
QUIET_CONVERSIONS = ("ignore::DeprecationWarning:pyspark.*", "ignore::DeprecationWarning:ibis.*")
pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None, reason="spark extra not installed"
    ),
    pytest.mark.filterwarnings(*QUIET_CONVERSIONS),
]


def use_local_spark() -> None:
    """Settle the local Spark session before it starts (once per process): two cores, 2 GB,
    four shuffle partitions, loopback only, Spark's log at errors only. Settings already in the
    environment win."""
    os.environ.setdefault("MINZHENG_SPARK_MASTER", "local[2]")
    os.environ.setdefault("MINZHENG_SPARK_MEMORY", "2g")
    os.environ.setdefault("MINZHENG_SPARK_PARTITIONS", "4")
    os.environ.setdefault("SPARK_CONF_DIR", str(SPARK_CONF_DIR))
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # py4j says goodbye at INFO from a finaliser, after pytest has closed the captured stream.
    logging.getLogger("py4j").setLevel(logging.WARNING)


def written_types(directory: Path) -> dict[str, pa.DataType]:
    """Each column's type in the Parquet a screening wrote (nullability aside)."""
    fields = ds.dataset(directory, format="parquet").schema
    return {
        f.name: pa.list_(f.type.value_type) if pa.types.is_list(f.type) else f.type for f in fields
    }


def read_determinations(directory: Path) -> pa.Table:
    """Every part a screening wrote, in the ``schema.DETERMINATION_FILES`` layout, sorted by key."""
    table = ds.dataset(directory, format="parquet").to_table()
    table = table.select(schema.DETERMINATION_FILES.names).cast(schema.DETERMINATION_FILES)
    return table.sort_by([(column, "ascending") for column in ORDER])


def differences(left: pa.Table, right: pa.Table, limit: int = 3) -> str:
    """The first rows where two sorted tables differ, for the failure message."""
    if left.num_rows != right.num_rows:
        return f"{left.num_rows:,} rows against {right.num_rows:,}"
    found = []
    for start in range(0, left.num_rows, 50_000):
        a = left.slice(start, 50_000).to_pylist()
        b = right.slice(start, 50_000).to_pylist()
        found += [(start + i, x, y) for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    shown = "\n".join(f"row {i}:\n  duckdb {x}\n  spark  {y}" for i, x, y in found[:limit])
    return f"{len(found):,} rows differ\n{shown}"


@dataclass(frozen=True)
class Screened:
    population: GenerationResult
    households: pa.Table
    duckdb: screening.ScreeningResult
    spark: screening.ScreeningResult
    duckdb_rows: pa.Table
    spark_rows: pa.Table


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> Screened:
    """The population generated as ``minzheng generate`` writes it, screened on both backends
    with the reviewed seed parameters (``minzheng screen --seed``)."""
    use_local_spark()
    work = tmp_path_factory.mktemp("spark-population")
    population = generate(
        out=work / "population", options=Options(persons=PERSONS, seed=SEED, as_of=DAY)
    )
    results = {
        backend: screening.screen(work / "population", DAY, work / backend, backend=backend)
        for backend in ("duckdb", "spark")
    }
    return Screened(
        population=population,
        households=pq.read_table(work / "population" / "households.parquet"),
        duckdb=results["duckdb"],
        spark=results["spark"],
        duckdb_rows=read_determinations(results["duckdb"].determinations_path),
        spark_rows=read_determinations(results["spark"].determinations_path),
    )


def _eligible(table: pa.Table, programme: str) -> pa.Table:
    return table.filter(
        pc.and_(pc.equal(table["programme"], programme), pc.equal(table["status"], "eligible"))
    )


def test_duckdb_and_spark_screen_the_population_identically(screened: Screened) -> None:
    duck, spark = screened.duckdb_rows, screened.spark_rows
    assert duck.num_rows == screened.duckdb.rows == screened.spark.rows == spark.num_rows
    # Every column, amounts, reason codes and detail included.
    assert duck.equals(spark), differences(duck, spark)
    # What is the same on every row of a programme, written once per programme.
    programmes = pq.read_table(screened.duckdb.programmes_path)
    assert programmes.equals(pq.read_table(screened.spark.programmes_path))
    assert programmes["programme"].to_pylist() == [p.name for p in CATALOGUE]
    # One row per (programme, household, person): the sort key orders them completely.
    keys = pa.Table.from_arrays(
        [pc.fill_null(duck[c], -1) if c == "person_id" else duck[c] for c in ORDER], names=ORDER
    )
    assert keys.group_by(list(ORDER)).aggregate([]).num_rows == duck.num_rows
    # Both wrote the columns of the documented schema, with its types.
    documented = {f.name: f.type for f in schema.DETERMINATION_FILES}
    assert written_types(screened.duckdb.determinations_path) == documented
    assert written_types(screened.spark.determinations_path) == documented
    # The summaries (subjects and amounts by programme, county and status) agree too.
    assert screened.spark.summary.to_pylist() == screened.duckdb.summary.to_pylist()


def test_the_screening_covers_the_population(screened: Screened) -> None:
    population = screened.population
    assert population.persons >= PERSONS
    assert population.households == screened.households.num_rows > 30_000
    for result in (screened.duckdb, screened.spark):
        assert (result.persons, result.households) == (population.persons, population.households)
    rows = screened.duckdb_rows
    households = set(screened.households["household_id"].to_pylist())
    assert set(pc.unique(rows["household_id"]).to_pylist()) == households
    for programme in EVERY_HOUSEHOLD:
        of_programme = rows.filter(pc.equal(rows["programme"], programme))
        assert of_programme.num_rows == population.households, programme
        assert set(of_programme["household_id"].to_pylist()) == households, programme
    assert rows.num_rows > len(EVERY_HOUSEHOLD) * population.households


def test_both_backends_find_the_same_dibao_households_and_amounts(screened: Screened) -> None:
    def figures(table: pa.Table) -> tuple[int, Decimal, Decimal, int]:
        dibao = _eligible(table, "dibao")
        least: Any = pc.min(dibao["monthly_amount"]).as_py()
        total: Any = pc.sum(dibao["monthly_amount"]).as_py()
        return dibao.num_rows, least, total, _eligible(table, "tekun").num_rows

    duck = figures(screened.duckdb_rows)
    assert figures(screened.spark_rows) == duck
    households, least, _total, tekun_persons = duck
    # A city's worth of 低保 (about 2–3 % of households), every one of them paid something.
    assert 0.01 * screened.population.households < households < 0.1 * screened.population.households
    assert least > 0
    assert tekun_persons > 0
