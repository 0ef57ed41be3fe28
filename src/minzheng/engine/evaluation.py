"""``evaluate()``: every programme of the catalogue over a population, as determinations.

The result is lazy: nothing runs until the determinations are fetched (``to_pyarrow``), written
(``to_parquet``) or a frame is read. The programmes' expressions are compiled to SQL once per
parameter snapshot and backend (``plan.compiled``) and reused by every later evaluation: one
household or thirty million go through the same SQL.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from minzheng.engine import schema
from minzheng.engine.backends import Backend
from minzheng.engine.facts import Facts, windows
from minzheng.engine.household import HouseholdRun, recall, remember
from minzheng.engine.household import engine as household_engine
from minzheng.engine.parameters import (
    ParameterDefinition,
    ParameterSnapshot,
    load_seed,
    snapshot,
)
from minzheng.engine.plan import (
    CompiledPlan,
    Run,
    compiled,
    determinations,
    snapshot_key,
    unverified_parameters,
)
from minzheng.engine.population import (
    ArrowSource,
    Population,
    PopulationSource,
    in_memory_tables,
    load_population,
)
from minzheng.engine.programmes import BY_NAME, CATALOGUE, Programme

# Populations given in memory with at most this many persons (one household, a few cases) go
# through the prepared household engine: planning the SQL would cost more than running it.
SMALL_POPULATION = 5_000
# Persons per chunk of a whole-population run: bounds memory (about 1 GB per million persons).
DEFAULT_CHUNK_PERSONS = 2_000_000
# From this many persons, a DuckDB run evaluates chunks side by side, one per thread.
SIDE_BY_SIDE_PERSONS = 200_000

ParametersArg = ParameterSnapshot | Iterable[ParameterDefinition] | None
PopulationArg = Population | PopulationSource | Mapping[str, pa.Table] | Path | str

__all__ = [
    "Evaluation",
    "ParametersArg",
    "PopulationArg",
    "determinations",
    "evaluate",
    "resolve_parameters",
    "unverified_parameters",
]


@dataclass
class Evaluation:
    """Determinations of one evaluation, lazily; plus the per-programme frames ``explain`` reads."""

    source: PopulationArg
    backend: str
    snap: ParameterSnapshot
    programmes: tuple[Programme, ...]
    plan: CompiledPlan
    _population: Population | None = field(default=None, repr=False)
    _run: Run | None = field(default=None, repr=False)
    _materialised: bool = field(default=False, repr=False)
    _household: HouseholdRun | None = field(default=None, repr=False)

    @property
    def population(self) -> Population:
        """The population on its backend (loaded when first needed: a small one given in memory
        never needs a connection of its own)."""
        if self._population is None:
            source = self.source
            self._population = (
                source if isinstance(source, Population) else load_population(source, self.backend)
            )
        return self._population

    @property
    def as_of(self) -> dt.date:
        return self.snap.as_of

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.programmes]

    def run(self, *, materialise_frames: bool = False) -> Run:
        """Execute the plan's steps (once); frames as tables when ``materialise_frames``."""
        if self._run is not None and (self._materialised or not materialise_frames):
            return self._run
        if self._run is not None:
            self._run.close()
        run = Run(self.population.con, self.plan)
        run.bind(self.population.tables)
        run.execute(materialise_frames=materialise_frames)
        self._run, self._materialised = run, materialise_frames
        return run

    @property
    def frames(self) -> dict[str, ir.Table]:
        run = self.run()
        return {p.name: run.table(p.name) for p in CATALOGUE}

    @property
    def facts(self) -> Facts:
        run = self.run()
        return Facts(
            as_of=self.as_of,
            windows=windows(self.snap),
            members=run.table("members"),
            households=run.table("households"),
        )

    @property
    def table(self) -> ir.Table:
        run = self.run()
        return self.population.con.sql(run.determinations_sql(self.names))

    @property
    def small(self) -> bool:
        """A few households given in memory: evaluated by the prepared household engine."""
        return self._run is None and _small_in_memory(self.source, self.backend)

    def household_run(self) -> HouseholdRun:
        """Every frame and determination of a small in-memory population (prepared plan)."""
        if self._household is None:
            key = snapshot_key(self.snap)  # as ``explain_household`` remembers it
            found = recall(self.source, key)
            if found is None:
                tables = in_memory_tables(self.source)
                assert tables is not None
                found = household_engine().run(tables, self.snap)
                remember(self.source, key, found)
            self._household = found
        return self._household

    def to_pyarrow(self) -> pa.Table:
        """All determinations in memory, in the ``schema.DETERMINATIONS`` layout, sorted."""
        if self.small:
            table = self.household_run().determinations
            if len(self.programmes) < len(CATALOGUE):
                table = table.filter(pc.is_in(table["programme"], pa.array(self.names)))
            return table
        if self.backend == "duckdb" and self._run is None:
            # One statement: the stages as common table expressions, nothing left behind.
            run = Run(self.population.con, self.plan)
            try:
                run.bind(self.population.tables)
                query = run.with_steps(run.determinations_sql(self.names, ordered=True))
                result = self.population.con.con.sql(query).to_arrow_table()
            finally:
                run.close()
            return result.cast(schema.DETERMINATIONS)
        run = self.run()
        sql = run.determinations_sql(self.names, ordered=True)
        if run.backend == "duckdb":
            result = self.population.con.con.sql(sql).to_arrow_table()
        else:
            result = self.population.con.to_pyarrow(self.population.con.sql(sql))
        return result.cast(schema.DETERMINATIONS)

    def to_parquet(self, path: Path | str) -> None:
        """Write all determinations to Parquet (streamed by the backend: DuckDB writes one
        file, Spark a directory of parts)."""
        if self.backend == "duckdb" and self._run is None:
            run = Run(self.population.con, self.plan)
            try:
                run.bind(self.population.tables)
                _copy(run, run.with_steps(run.output_sql(self.names)), Path(path))
            finally:
                run.close()
            return
        run = self.run()
        sql = run.output_sql(self.names)
        if run.backend == "duckdb":
            _copy(run, sql, Path(path))
        else:
            self.population.con.to_parquet(self.population.con.sql(sql), str(path))

    def write_parts(
        self,
        directory: Path | str,
        *,
        chunk_persons: int = DEFAULT_CHUNK_PERSONS,
        progress: Callable[[int, int, int], None] | None = None,
    ) -> list[Path]:
        """Write the determinations as Parquet parts in ``directory``, household by household
        in chunks of about ``chunk_persons`` persons (DuckDB; Spark writes its own parts).

        Memory stays bounded whatever the population's size; the parts hold exactly the rows
        of one whole-population evaluation. ``progress(done, chunks, persons)`` after each part.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        if self.population.backend != "duckdb":
            self.to_parquet(out / "spark")
            return [out / "spark"]
        con = self.population.con
        raw = con.con
        run = Run(con, self.plan)
        workers: list[Run] = []
        threads = 1
        try:
            bodies = run.bind_all(self.population.tables)
            found = run.fetchone(f'SELECT count(*) FROM "{run.name("all_persons")}"')
            persons = int(found[0]) if found else 0
            setting = run.fetchone("SELECT current_setting('threads')")
            threads = int(setting[0]) if setting else 1
            if persons >= SIDE_BY_SIDE_PERSONS and threads > 1:
                workers = _worker_runs(run, bodies, threads)
            # Side by side each chunk is smaller (about the same memory in all), and there are
            # as many chunks for each worker.
            side = max(1, len(workers))
            size = max(1, chunk_persons // side)
            chunks = -(-max(1, -(-persons // size)) // side) * side
            bounds = run.chunk_bounds(chunks)
            paths = [out / f"part-{index:05d}.parquet" for index in range(len(bounds))]
            if len(workers) > 1:
                raw.execute("SET threads = 1")  # one thread per chunk, chunks side by side
                _write_side_by_side(workers, bounds, paths, self.names, persons, progress)
            else:
                for index, (lo, hi) in enumerate(bounds):
                    run.bind_chunk(lo, hi)
                    _copy(run, run.with_steps(run.output_sql(self.names)), paths[index])
                    if progress is not None:
                        progress(index + 1, len(bounds), persons)
        finally:
            if workers:
                raw.execute(f"SET threads = {threads}")
            for worker in workers:
                worker.close()
                worker.cursor.close()
            run.close()
        return paths

    def close(self) -> None:
        """Drop the temporary tables of this evaluation from the connection."""
        if self._run is not None:
            self._run.close()
            self._run = None


def _copy(run: Run, query: str, path: Path) -> None:
    """Write ``query``'s rows to one Parquet file (DuckDB)."""
    target = str(path).replace("'", "''")
    run.execute_sql(f"COPY ({query}) TO '{target}' (FORMAT PARQUET)")


def _worker_runs(run: Run, bodies: Mapping[str, str], count: int) -> list[Run]:
    """``count`` runs of ``run``'s plan, each on a cursor of its own with the population bound,
    to evaluate chunks side by side (one DuckDB thread each: no cost of splitting one query's
    work, both cores busy). Empty when the population cannot be seen from a cursor (tables
    registered in memory on the connection): the chunks then run one after the other."""
    raw = run.con.con
    # The population's files are temporary views of the connection: the cursors get the same.
    views = raw.execute(
        "SELECT view_name, sql FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchall()
    wanted = [sql for name, sql in views if any(f'"{name}"' in body for body in bodies.values())]
    workers: list[Run] = []
    try:
        for _ in range(count):
            worker = Run(run.con, run.plan, cursor=raw.cursor())
            workers.append(worker)
            for sql in wanted:
                worker.execute_sql(sql.replace("CREATE VIEW", "CREATE OR REPLACE TEMP VIEW", 1))
            worker.bind_all_sql(bodies)
    except duckdb.Error:
        for worker in workers:
            worker.cursor.close()
        return []
    return workers


def _write_side_by_side(
    workers: list[Run],
    bounds: list[tuple[int | None, int | None]],
    paths: list[Path],
    names: list[str],
    persons: int,
    progress: Callable[[int, int, int], None] | None,
) -> None:
    """Chunk ``i`` by worker ``i mod len(workers)``, each in a thread of its own (DuckDB runs
    a statement without holding Python's lock)."""
    lock = threading.Lock()
    done = [0]

    def work(worker: Run, indexes: range) -> None:
        for index in indexes:
            worker.bind_chunk(*bounds[index])
            _copy(worker, worker.with_steps(worker.output_sql(names)), paths[index])
            with lock:
                done[0] += 1
                if progress is not None:
                    progress(done[0], len(bounds), persons)

    step = len(workers)
    with ThreadPoolExecutor(max_workers=step) as pool:
        futures = [
            pool.submit(work, worker, range(i, len(bounds), step))
            for i, worker in enumerate(workers)
        ]
        for future in futures:
            future.result()


@lru_cache(maxsize=32)
def seed_parameters(as_of: dt.date) -> ParameterSnapshot:
    """The reviewed seed's snapshot on ``as_of`` (read once per date)."""
    return snapshot(as_of, _seed())


@lru_cache(maxsize=1)
def _seed() -> tuple[ParameterDefinition, ...]:
    return tuple(load_seed())


def resolve_parameters(parameters: ParametersArg, as_of: dt.date) -> ParameterSnapshot:
    if isinstance(parameters, ParameterSnapshot):
        if parameters.as_of != as_of:
            raise ValueError(f"parameter snapshot is as of {parameters.as_of}, not {as_of}")
        return parameters
    if parameters is None:
        return seed_parameters(as_of)
    return snapshot(as_of, parameters)


def evaluate(
    population: PopulationArg,
    parameters: ParametersArg = None,
    as_of: dt.date | None = None,
    backend: Backend | str = "duckdb",
    *,
    programmes: Sequence[str] | None = None,
) -> Evaluation:
    """Evaluate the programme catalogue (or the named programmes).

    ``population``: a ``Population`` (its connection decides the backend), a source, Arrow tables
    or a Parquet directory. ``parameters``: a snapshot, definitions (e.g. from the database), or
    ``None`` for the reviewed seed. ``as_of`` defaults to the snapshot's date, else today.
    """
    if as_of is None:
        as_of = parameters.as_of if isinstance(parameters, ParameterSnapshot) else dt.date.today()
    snap = resolve_parameters(parameters, as_of)
    if isinstance(population, Population):
        backend = population.backend
    elif backend not in ("duckdb", "spark"):
        raise ValueError(f"unknown backend {backend!r}")
    wanted = set(programmes) if programmes is not None else set(BY_NAME)
    unknown = wanted - set(BY_NAME)
    if unknown:
        raise ValueError(f"unknown programmes: {sorted(unknown)}")
    chosen = tuple(p for p in CATALOGUE if p.name in wanted)
    # A few households in memory run on the household engine, which packs its counts: compile
    # that plan, not the whole-population one as well.
    small = _small_in_memory(population, str(backend))
    plan = compiled(snap, str(backend), packed_counts=small)
    return Evaluation(
        source=population,
        backend=str(backend),
        snap=snap,
        programmes=chosen,
        plan=plan,
        _population=population if isinstance(population, Population) else None,
    )


def _small_in_memory(source: PopulationArg, backend: str) -> bool:
    """Whether ``source`` is a few households given in memory (DuckDB): the prepared household
    engine evaluates them. A missing persons table counts as empty, as it is made."""
    if backend != "duckdb":
        return False
    if isinstance(source, Population):
        persons = source.persons_in_memory
        return persons is not None and persons <= SMALL_POPULATION
    tables = source.tables if isinstance(source, ArrowSource) else source
    if not isinstance(tables, Mapping):
        return False
    return "persons" not in tables or tables["persons"].num_rows <= SMALL_POPULATION
