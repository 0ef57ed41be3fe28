"""Screening a whole population: determinations to Parquet, plus a summary by programme and county.

``screen()`` is what ``minzheng screen`` and the benchmark call. The population comes from any
``PopulationSource`` (a Parquet directory today; the registry's snapshot export implements the
same protocol); the parameters from the database or the seed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from minzheng.engine.backends import Backend, connect
from minzheng.engine.evaluation import ParametersArg, evaluate
from minzheng.engine.population import PopulationSource, load_population

Progress = Callable[[str], None]


@dataclass
class ScreeningResult:
    as_of: dt.date
    determinations_path: Path
    summary_path: Path
    summary: pa.Table
    rows: int
    persons: int
    households: int
    seconds: dict[str, float] = field(default_factory=dict)


def _noop(_: str) -> None:
    pass


def screen(
    source: PopulationSource | Path | str,
    as_of: dt.date,
    out_dir: Path | str,
    *,
    parameters: ParametersArg = None,
    backend: Backend | str = "duckdb",
    progress: Progress = _noop,
) -> ScreeningResult:
    """Evaluate every programme for the population and write ``determinations.parquet``,
    ``summary.parquet`` and ``summary.csv`` (counts and amounts by programme, county and status)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    con = connect(backend)
    pop = load_population(source, backend, con=con)
    persons = int(pop.persons.count().execute())
    households = int(pop.households.count().execute())
    seconds["load"] = time.perf_counter() - t0
    progress(f"population: {persons:,} persons, {households:,} households")

    t1 = time.perf_counter()
    ev = evaluate(pop, parameters, as_of)
    ev.run()
    seconds["facts_and_tiers"] = time.perf_counter() - t1
    progress("facts and tier programmes computed")

    t2 = time.perf_counter()
    det_path = out / "determinations.parquet"
    table = ev.table
    con.to_parquet(table, str(det_path))  # Spark writes a directory of parts
    seconds["determinations"] = time.perf_counter() - t2
    progress(f"determinations written to {det_path}")

    t3 = time.perf_counter()
    written = con.read_parquet(str(det_path))
    rows = int(written.count().execute())
    summary = (
        written.group_by(["programme", "county_code", "status"])
        .aggregate(
            subjects=written.count(),
            monthly_amount=written.monthly_amount.sum(),
        )
        .order_by(["programme", "county_code", "status"])
    )
    summary_table = con.to_pyarrow(summary)
    summary_path = out / "summary.parquet"
    pq.write_table(summary_table, summary_path)
    pacsv.write_csv(summary_table, out / "summary.csv")
    seconds["summary"] = time.perf_counter() - t3
    progress(f"summary written to {summary_path}")
    return ScreeningResult(
        as_of=as_of,
        determinations_path=det_path,
        summary_path=summary_path,
        summary=summary_table,
        rows=rows,
        persons=persons,
        households=households,
        seconds=seconds,
    )
