"""One household (or a handful) at case-page speed: the same compiled plan, prepared once.

Planning the catalogue's SQL costs far more than running it on a few rows, so a
``HouseholdEngine`` keeps one DuckDB connection per thread with the plan's tables created once
and every step ``PREPARE``d once per parameter snapshot. Evaluating a household then inserts its
rows and executes the prepared steps (no parsing, binding or optimising of the plan) in one
transaction that is rolled back: the tables are empty again for the next household without a
``DELETE`` or a commit. A household's few rows go in as ``INSERT … VALUES`` literals, which
DuckDB parses in far less time than it takes to scan an Arrow table from Python.

Prepared plans must not depend on the rows they were planned with, so the connection runs only
DuckDB's rewrite optimisers (no statistics propagation, no compressed materialisation, no
cardinality-based choices); results are the same as a whole-population run (tested).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from minzheng.engine import schema
from minzheng.engine.parameters import ParameterSnapshot
from minzheng.engine.plan import ORDER, PLACEHOLDER, CompiledPlan, compiled
from minzheng.engine.population import Population, conform_all

# Optimisers that only rewrite the plan (their result does not depend on the data it was planned
# with); every other one is switched off on the household connection.
DATA_INDEPENDENT_OPTIMIZERS = frozenset(
    {
        "expression_rewriter",
        "filter_pullup",
        "filter_pushdown",
        "unused_columns",
        "column_lifetime",
        "deliminator",
        "unnest_rewriter",
        "common_subexpressions",
        "common_aggregate",
        "cte_inlining",
        "in_clause",
        "reorder_filter",
    }
)
MAX_PREPARED_SNAPSHOTS = 8
# Tables read by a household's members' person_id as well as by household_id.
PERSON_KEYED = ("persons", "incomes", "enrolments")
# A table of at most this many rows is inserted as SQL literals; a bigger one (a small
# population evaluated whole) is scanned from Arrow.
LITERAL_ROWS = 200


@dataclass(frozen=True)
class HouseholdRun:
    """Everything the plan computed for a few households, in Python objects."""

    determinations: pa.Table  # schema.DETERMINATIONS, sorted like Evaluation.to_pyarrow()
    frames: Mapping[str, list[dict[str, Any]]]  # programme -> its frame rows
    inputs: Mapping[str, pa.Table]  # the population rows evaluated


class _Prepared:
    """One snapshot's plan on the household connection: its input tables and one prepared
    statement computing every step (as materialised common table expressions) and returning
    the determinations and every frame's rows, as JSON.

    DuckDB re-plans a prepared statement on every execution once the catalog has changed after
    it was prepared, so all tables are created first and statements are (re)prepared last.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, plan: CompiledPlan, tag: str) -> None:
        self.plan = plan
        self.tag = tag
        prefix = f"{tag}_"
        self.sql = lambda text: text.replace(PLACEHOLDER, prefix)
        self.inputs = {name: f'"{prefix}in_{name}"' for name in schema.TABLES}
        for name, target in schema.TABLES.items():
            con.register(f"{tag}_empty", target.empty_table())
            con.execute(f"CREATE TABLE {self.inputs[name]} AS SELECT * FROM {tag}_empty")
            con.unregister(f"{tag}_empty")
        self.steps = [f'"{prefix}{step.name}"' for step in plan.steps]
        self.frame_tables = {
            step.name: table
            for step, table in zip(plan.steps, self.steps, strict=True)
            if step.name in plan.determinations
        }
        self.prepared = False

    def statement(self) -> str:
        """Every step, then the determinations (decimals as text, exact) and every frame's rows
        (frames hold only integers, booleans and strings, which JSON keeps exactly)."""
        ctes = ", ".join(
            f"{table} AS MATERIALIZED ({self.sql(step.sql)})"
            for step, table in zip(self.plan.steps, self.steps, strict=True)
        )
        union = self.sql(self.plan.union(self.plan.determinations))
        cast = ", ".join(
            f'CAST("{c}" AS VARCHAR) AS "{c}"'
            if c in DECIMAL_COLUMNS
            else f'CAST("{c}" AS BIGINT) AS "{c}"'
            for c in (*DECIMAL_COLUMNS, *INTEGER_COLUMNS)
        )
        dets = (
            f"SELECT NULL AS frame, to_json(d) AS row "
            f"FROM (SELECT * REPLACE ({cast}) FROM ({union})) AS d"
        )
        frames = " UNION ALL ".join(
            f"SELECT '{name}' AS frame, to_json(f) AS row FROM {table} AS f"
            for name, table in self.frame_tables.items()
        )
        return f"WITH {ctes} {dets} UNION ALL {frames}"

    def prepare(self, con: duckdb.DuckDBPyConnection) -> None:
        """(Re)prepare the statement, after the last change to the catalog."""
        self.deallocate(con)
        con.execute(f"PREPARE {self.tag}_all AS {self.statement()}")
        self.prepared = True

    def deallocate(self, con: duckdb.DuckDBPyConnection) -> None:
        if not self.prepared:
            return
        con.execute(f"DEALLOCATE {self.tag}_all")
        self.prepared = False

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        self.deallocate(con)
        for table in self.inputs.values():
            con.execute(f"DROP TABLE IF EXISTS {table}")


DECIMAL_COLUMNS = tuple(f.name for f in schema.DETERMINATIONS if pa.types.is_decimal(f.type))
INTEGER_COLUMNS = tuple(f.name for f in schema.DETERMINATIONS if pa.types.is_int64(f.type))
DATE_COLUMNS = tuple(f.name for f in schema.DETERMINATIONS if pa.types.is_date(f.type))


def _determination(text: str) -> dict[str, Any]:
    row: dict[str, Any] = json.loads(text)
    for column in DECIMAL_COLUMNS:
        if row[column] is not None:
            row[column] = Decimal(row[column])
    for column in DATE_COLUMNS:
        if row[column] is not None:
            row[column] = dt.date.fromisoformat(row[column])
    return row


def _literal(value: Any) -> str:
    """``value`` (a Python value of a population column) as a DuckDB literal, exactly: text,
    dates and decimals as string literals that the insert casts to the column's type."""
    kind = type(value)
    if value is None:
        return "NULL"
    if kind is int:
        return str(value)
    if kind is str:
        if "\x00" in value:
            raise ValueError("a NUL character cannot be written as a literal")
        return "'" + value.replace("'", "''") + "'"
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is Decimal:
        return f"'{value:f}'"
    if kind is dt.date:
        return f"'{value.isoformat()}'"
    raise ValueError(f"no literal for {kind.__name__}")


def _values(table: pa.Table) -> str | None:
    """The rows of ``table`` as the ``VALUES`` list of an insert; ``None`` when it has no row,
    more than ``LITERAL_ROWS`` or a value with no literal (it is then scanned from Arrow)."""
    if not 0 < table.num_rows <= LITERAL_ROWS:
        return None
    try:
        return ", ".join(
            "(" + ", ".join(map(_literal, row)) + ")"
            for row in zip(*(column.to_pylist() for column in table.columns), strict=True)
        )
    except ValueError:
        return None


def _order(row: dict[str, Any]) -> tuple[Any, ...]:
    """``ORDER``, nulls last (as DuckDB and ``Evaluation.to_pyarrow`` sort)."""
    return tuple(
        item
        for column in ORDER
        for item in (row[column] is None, row[column] if row[column] is not None else 0)
    )


class HouseholdEngine:
    """A connection of its own with the plan prepared for each snapshot it has seen."""

    def __init__(self) -> None:
        self.con = duckdb.connect(
            config={
                "threads": 1,
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
            }
        )
        self.con.execute("SET enable_progress_bar = false")
        names = [r[0] for r in self.con.execute("SELECT name FROM duckdb_optimizers()").fetchall()]
        off = ",".join(n for n in names if n not in DATA_INDEPENDENT_OPTIMIZERS)
        self.con.execute(f"SET disabled_optimizers = '{off}'")
        self._prepared: dict[str, _Prepared] = {}
        self._tags = itertools.count()

    def _plan(self, snap: ParameterSnapshot) -> _Prepared:
        plan = compiled(snap, "duckdb", packed_counts=True)
        found = self._prepared.get(plan.key)
        if found is None:
            if len(self._prepared) >= MAX_PREPARED_SNAPSHOTS:
                self._prepared.pop(next(iter(self._prepared))).drop(self.con)
            found = _Prepared(self.con, plan, f"h{next(self._tags)}")
            self._prepared[plan.key] = found
            for prepared in self._prepared.values():  # the catalog changed: prepare again
                prepared.prepare(self.con)
        return found

    def run(self, tables: Mapping[str, pa.Table], snap: ParameterSnapshot) -> HouseholdRun:
        """Evaluate the population ``tables`` (a few households) with ``snap``."""
        p = self._plan(snap)
        con = self.con
        conformed = conform_all(tables)
        statements = []
        con.execute("BEGIN TRANSACTION")
        try:
            for name, mz_rows in conformed.items():
                values = _values(mz_rows)
                if values is not None:
                    statements.append(f"INSERT INTO {p.inputs[name]} VALUES {values}")
                elif mz_rows.num_rows:  # read by name (a replacement scan)
                    con.execute(f"INSERT INTO {p.inputs[name]} SELECT * FROM mz_rows")
            statements.append(f"EXECUTE {p.tag}_all")
            found = con.execute(";".join(statements)).fetchall()
        finally:
            con.execute("ROLLBACK")
        rows: list[dict[str, Any]] = []
        frames: dict[str, list[dict[str, Any]]] = {name: [] for name in p.frame_tables}
        for name, row in found:
            if name is None:
                rows.append(_determination(row))
            else:
                frames[name].append(json.loads(row))
        rows.sort(key=_order)
        dets = pa.Table.from_pylist(rows, schema=schema.DETERMINATIONS)
        return HouseholdRun(determinations=dets, frames=frames, inputs=conformed)


_local = threading.local()


def engine() -> HouseholdEngine:
    """This thread's household engine (DuckDB connections are not shared between threads)."""
    found: HouseholdEngine | None = getattr(_local, "engine", None)
    if found is None:
        found = HouseholdEngine()
        _local.engine = found
    return found


def household_tables(population: Population, household_ids: Iterable[int]) -> dict[str, pa.Table]:
    """The rows of some households as Arrow tables: their own records and every record that
    carries one of their members' ``person_id`` (what a whole-population run would read)."""
    ids = sorted({int(h) for h in household_ids})
    if population.arrow is not None:
        return arrow_slice(population.arrow, ids)
    if population.backend == "duckdb":
        return _duckdb_slice(population, ids)
    t = population.tables
    con = population.con
    ms = t["memberships"]
    members = con.to_pyarrow(ms.filter(ms.household_id.isin(ids)).select("person_id"))
    person_ids = sorted({p for p in members.column("person_id").to_pylist() if p is not None})
    out: dict[str, pa.Table] = {}
    for name in schema.TABLES:
        table = t[name]
        if name == "persons":
            cond = table.person_id.isin(person_ids)
        elif name in ("incomes", "enrolments"):
            cond = table.household_id.isin(ids) | table.person_id.isin(person_ids)
        else:
            cond = table.household_id.isin(ids)
        out[name] = con.to_pyarrow(table.filter(cond))
    return out


_slices: dict[int, tuple[weakref.ref[Any], dict[str, str]]] = {}
_slice_ids = itertools.count()


def _slice_statements(population: Population) -> dict[str, str]:
    """Per table, a prepared statement reading one household's rows (its id the parameter):
    prepared once per population object on its connection."""
    found = _slices.get(id(population))
    if found is not None and found[0]() is population:
        return found[1]
    con = population.con
    raw = con.con
    body: dict[str, str] = {}
    for name, expr in population.tables.items():
        con._run_pre_execute_hooks(expr)
        body[name] = f"({con.compile(expr)})"
    # $1 the household; $2, $3 the lowest and highest person_id of its members (lets DuckDB skip
    # the row groups of sorted tables that cannot hold them); $4 the list of its members
    members = "person_id BETWEEN $2 AND $3 AND list_contains($4, person_id)"
    persons = "person_id BETWEEN $1 AND $2 AND list_contains($3, person_id)"
    tag = f"mz_slice{next(_slice_ids)}"
    statements: dict[str, str] = {}
    for name in schema.TABLES:
        source = body[name]
        if name == "persons":
            sql = f"SELECT * FROM {source} WHERE {persons}"
        elif name in ("incomes", "enrolments"):
            sql = (
                f"SELECT * FROM {source} WHERE household_id = $1 UNION ALL "
                f"SELECT * FROM {source} WHERE NOT coalesce(household_id = $1, FALSE) AND {members}"
            )
        else:
            sql = f"SELECT * FROM {source} WHERE household_id = $1"
        raw.execute(f"PREPARE {tag}_{name} AS {sql}")
        statements[name] = f"{tag}_{name}"
    statements["_members"] = f"{tag}__members"
    raw.execute(
        f"PREPARE {tag}__members AS SELECT min(person_id), max(person_id), "
        f"coalesce(list(person_id) FILTER (WHERE person_id IS NOT NULL), []) "
        f"FROM {body['memberships']} WHERE household_id = $1"
    )
    _slices[id(population)] = (weakref.ref(population), statements)
    return statements


def _duckdb_slice(population: Population, ids: list[int]) -> dict[str, pa.Table]:
    if len(ids) != 1:
        by_one = [_duckdb_slice(population, [i]) for i in ids]
        return {name: pa.concat_tables([part[name] for part in by_one]) for name in schema.TABLES}
    raw = population.con.con
    statements = _slice_statements(population)
    hid = int(ids[0])
    found = raw.execute(f"EXECUTE {statements['_members']}({hid})").fetchone()
    low, high, people = found if found is not None else (None, None, [])
    listed = ", ".join(str(int(p)) for p in people)
    people_args = (
        f"{'NULL' if low is None else int(low)}, {'NULL' if high is None else int(high)}, "
        f"[{listed}]::BIGINT[]"
    )
    args = {
        name: people_args
        if name == "persons"
        else f"{hid}, {people_args}"
        if name in PERSON_KEYED
        else str(hid)
        for name in schema.TABLES
    }
    return {
        name: raw.execute(f"EXECUTE {statements[name]}({args[name]})").to_arrow_table()
        for name in schema.TABLES
    }


def arrow_slice(tables: Mapping[str, pa.Table], ids: list[int]) -> dict[str, pa.Table]:
    import pyarrow.compute as pc

    wanted = pa.array(ids, pa.int64())
    ms = tables["memberships"]
    members = ms.filter(pc.is_in(ms["household_id"], value_set=wanted))
    people = pc.unique(members["person_id"].drop_null())
    out: dict[str, pa.Table] = {}
    for name, table in tables.items():
        if name == "persons":
            out[name] = table.filter(pc.is_in(table["person_id"], value_set=people))
            continue
        in_household = pc.fill_null(pc.is_in(table["household_id"], value_set=wanted), False)
        if name in ("incomes", "enrolments"):
            keep = pc.or_(in_household, pc.is_in(table["person_id"], value_set=people))
        else:
            keep = in_household
        out[name] = table.filter(keep)
    return out


# The last few runs of small in-memory populations, per source object, so that determinations
# and explanations of the same household (a case page) share one evaluation.
_runs: dict[tuple[int, str], tuple[weakref.ref[Any], HouseholdRun]] = {}


def remember(source: object, snapshot: str, run: HouseholdRun) -> None:
    try:
        ref = weakref.ref(source)
    except TypeError:  # plain dicts cannot be referred to weakly: not kept
        return
    _runs[(id(source), snapshot)] = (ref, run)
    while len(_runs) > 16:
        _runs.pop(next(iter(_runs)))


def recall(source: object, snapshot: str) -> HouseholdRun | None:
    found = _runs.get((id(source), snapshot))
    if found is None or found[0]() is not source:
        return None
    return found[1]
