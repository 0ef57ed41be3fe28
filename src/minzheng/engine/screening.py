"""Screening a whole population: determinations to Parquet, plus a summary by programme and county.

``screen()`` is what ``minzheng screen`` and the benchmark call. The population comes from any
``PopulationSource`` (a Parquet directory today; the registry's snapshot export implements the
same protocol); the parameters from the database or the seed. On DuckDB the population is
evaluated in chunks of households (``chunk_persons`` persons each) so that memory stays bounded;
``determinations/`` then holds one Parquet part per chunk (read it as ``determinations/*.parquet``).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from minzheng.engine import schema
from minzheng.engine.backends import Backend, connect, connect_duckdb
from minzheng.engine.evaluation import (
    DEFAULT_CHUNK_PERSONS,
    Evaluation,
    ParametersArg,
    evaluate,
    unverified_parameters,
)
from minzheng.engine.population import PopulationSource, load_population

Progress = Callable[[str], None]


@dataclass
class ScreeningResult:
    as_of: dt.date
    determinations_path: Path
    summary_path: Path
    # One row per programme: what is the same on all its rows (``schema.PER_PROGRAMME``).
    programmes_path: Path
    summary: pa.Table
    rows: int
    persons: int
    households: int
    seconds: dict[str, float] = field(default_factory=dict)
    # This process's CPU seconds per stage (all threads): beside ``seconds`` (wall) it shows
    # how much of the machine a stage used.
    cpu_seconds: dict[str, float] = field(default_factory=dict)


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
    chunk_persons: int = DEFAULT_CHUNK_PERSONS,
    threads: int | None = None,
    memory_limit: str | None = "6GB",
) -> ScreeningResult:
    """Evaluate every programme for the population and write ``determinations/`` (Parquet
    parts, ``schema.DETERMINATION_FILES``), ``programmes.parquet`` (per programme its
    ``unverified_parameters``), ``summary.parquet`` and ``summary.csv`` (counts and amounts by
    programme, county and status). ``progress`` gets a message after loading, after each chunk
    and at the end."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    spill = tempfile.TemporaryDirectory(prefix="minzheng-screen-")
    if backend == "duckdb":
        con = connect_duckdb(threads=threads, memory_limit=memory_limit, temp_directory=spill.name)
    else:
        con = connect(backend)
    pop = load_population(source, backend, con=con)
    persons = int(pop.persons.count().execute())
    households = int(pop.households.count().execute())
    seconds["load"] = time.perf_counter() - t0
    cpu["load"] = time.process_time() - c0
    progress(f"population: {persons:,} persons, {households:,} households")

    t1, c1 = time.perf_counter(), time.process_time()
    ev = evaluate(pop, parameters, as_of)
    seconds["compile"] = time.perf_counter() - t1
    cpu["compile"] = time.process_time() - c1

    t2, c2 = time.perf_counter(), time.process_time()
    det_dir = out / "determinations"
    for old in det_dir.glob("part-*.parquet"):
        old.unlink()

    def chunk_done(done: int, chunks: int, total: int) -> None:
        progress(f"chunk {done}/{chunks} of {total:,} persons evaluated")

    ev.write_parts(det_dir, chunk_persons=chunk_persons, progress=chunk_done)
    programmes_path = _write_programmes(ev, out)
    seconds["evaluate"] = time.perf_counter() - t2
    cpu["evaluate"] = time.process_time() - c2
    progress(f"determinations written to {det_dir}")

    t3, c3 = time.perf_counter(), time.process_time()
    pattern = (
        str(det_dir / "**" / "*.parquet") if backend != "duckdb" else str(det_dir / "*.parquet")
    )
    written = con.read_parquet(pattern)
    summary = (
        written.group_by(["programme", "county_code", "status"])
        .aggregate(
            subjects=written.count(),
            monthly_amount=written.monthly_amount.sum(),
        )
        .order_by(["programme", "county_code", "status"])
    )
    summary_table = con.to_pyarrow(summary)
    rows = int(pc.sum(summary_table["subjects"]).as_py() or 0)
    summary_path = out / "summary.parquet"
    pq.write_table(summary_table, summary_path)
    pacsv.write_csv(summary_table, out / "summary.csv")
    seconds["summary"] = time.perf_counter() - t3
    cpu["summary"] = time.process_time() - c3
    progress(f"summary written to {summary_path}")
    spill.cleanup()
    return ScreeningResult(
        as_of=as_of,
        determinations_path=det_dir,
        summary_path=summary_path,
        programmes_path=programmes_path,
        summary=summary_table,
        rows=rows,
        persons=persons,
        households=households,
        seconds=seconds,
        cpu_seconds=cpu,
    )


def _write_programmes(ev: Evaluation, out: Path) -> Path:
    """``programmes.parquet``: each programme evaluated, with the parameters it reads whose value
    in force is unknown or not verified (the same on all of its determinations)."""
    table = pa.table(
        {
            "programme": [p.name for p in ev.programmes],
            "unverified_parameters": [unverified_parameters(p, ev.snap) for p in ev.programmes],
        },
        schema=pa.schema(
            [
                (name, schema.DETERMINATIONS.field(name).type)
                for name in ("programme", *schema.PER_PROGRAMME)
            ]
        ),
    )
    path = out / "programmes.parquet"
    pq.write_table(table, path)
    return path
