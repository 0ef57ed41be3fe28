"""The evaluation plan: every programme's Ibis expressions, compiled once and run many times.

``build_plan(snapshot)`` writes the whole catalogue as a short list of steps over *unbound*
tables (``mzrun_in_persons`` …): the member facts, the household facts, 特困's frame, the
household facts with the tier columns, then one frame per programme and its determinations. The
plan depends only on the parameter snapshot, never on the population, so ``compiled()`` turns it
into SQL once per (snapshot, backend dialect) and keeps it: screening thirty million people and
evaluating one household run the very same SQL; only the tables it reads differ.

A ``Run`` puts the population's tables on a connection under the plan's names (with a prefix of
its own, so that several runs share a connection) and executes the steps: stages become
temporary tables (DuckDB) or cached views (Spark); frames become views, or tables when every
frame will be read (one household, explanations).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from minzheng.engine import schema
from minzheng.engine.backends import backend_name
from minzheng.engine.expr import fen_to_money
from minzheng.engine.facts import build_facts
from minzheng.engine.parameters import ParameterSnapshot
from minzheng.engine.programmes import CATALOGUE, Context, Programme
from minzheng.engine.programmes import dibao as dibao_module
from minzheng.engine.programmes import near_dibao as near_module
from minzheng.engine.programmes.base import on, with_status

PLACEHOLDER = "mzrun_"
ORDER = ("programme", "household_id", "person_id")
StepKind = Literal["stage", "frame"]
DIALECTS = {"duckdb": "duckdb", "spark": "pyspark"}


def input_name(table: str) -> str:
    return f"{PLACEHOLDER}in_{table}"


def step_name(name: str) -> str:
    return f"{PLACEHOLDER}{name}"


@dataclass(frozen=True)
class Step:
    """One named intermediate result: a ``stage`` is always materialised, a ``frame`` (one
    programme's subjects with their conditions) only when asked."""

    name: str
    kind: StepKind
    expr: ir.Table


@dataclass(frozen=True)
class Plan:
    snap: ParameterSnapshot
    steps: tuple[Step, ...]
    # Per programme: its determinations, read from its frame's step.
    determinations: Mapping[str, ir.Table]


_keys: dict[int, tuple[weakref.ref[ParameterSnapshot], str]] = {}


def snapshot_key(snap: ParameterSnapshot) -> str:
    """What the SQL depends on: the date and every value in force, with its verified flag
    (computed once per snapshot object: a case page asks for it on every household)."""
    found = _keys.get(id(snap))
    if found is not None and found[0]() is snap:
        return found[1]
    key = _snapshot_key(snap)
    if len(_keys) > 256:
        _keys.clear()
    _keys[id(snap)] = (weakref.ref(snap), key)
    return key


def _snapshot_key(snap: ParameterSnapshot) -> str:
    parts: list[str] = [snap.as_of.isoformat()]
    for name in sorted(snap.city):
        res = snap.city[name]
        parts.append(f"{name}={res.value!r}/{res.verified}")
    for name in sorted(snap.by_division):
        for code, res in sorted(snap.by_division[name].items()):
            parts.append(f"{name}@{code}={res.value!r}/{res.verified}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _ibis_schema(target: pa.Schema) -> ibis.Schema:
    return ibis.Schema.from_pyarrow(target)


def unverified_parameters(programme: Programme, snap: ParameterSnapshot) -> list[str]:
    """Parameters the programme reads whose value in force is unknown or not verified."""
    return [name for name in programme.parameters if not snap.get(name).verified]


def determinations(programme: Programme, frame: ir.Table, snap: ParameterSnapshot) -> ir.Table:
    """A programme frame as rows of ``schema.DETERMINATIONS``."""
    eligible = frame.status == "eligible"
    # Each reason is a list of one code or an empty list, and the reason codes are those lists
    # flattened. A list of every candidate code (null where none) filtered through a lambda,
    # as before, took 4.5 % more instructions for a whole chunk (callgrind, 200,000 persons).
    none = ibis.literal([], type="array<string>")

    def code(word: str) -> ir.ArrayValue:
        return ibis.literal([word], type="array<string>")

    reasons: list[Any] = []
    for cond in programme.conditions:
        col = frame[f"c_{cond.code}"]
        reasons.append(
            ibis.cases(
                (col.isnull(), code(f"{cond.code}:unknown")),
                (~col, code(f"{cond.code}:failed")),
                else_=none,
            )
        )
        for name in cond.parameters:
            if not snap.known(name):
                reasons.append(ibis.ifelse(col.isnull(), code(f"parameter_unknown:{name}"), none))
    amount_missing = eligible & frame.amount_fen.isnull()
    reasons.append(ibis.ifelse(amount_missing, code("amount_unknown"), none))
    for name in programme.amount_parameters:
        if not snap.known(name):
            reasons.append(ibis.ifelse(amount_missing, code(f"parameter_unknown:{name}"), none))
    reason_codes = ibis.array(reasons).flatten()
    amount = ibis.ifelse(eligible, fen_to_money(frame.amount_fen), ibis.null(MONEY_TYPE))
    person = frame.person_id if "person_id" in frame.columns else ibis.null("int64")
    unverified = unverified_parameters(programme, snap)
    return frame.select(
        as_of=ibis.literal(snap.as_of),
        household_id=frame.household_id,
        person_id=person.cast("int64"),
        programme=ibis.literal(programme.name),
        status=frame.status,
        monthly_amount=amount,
        reason_codes=reason_codes,
        division_code=frame.division_code,
        county_code=frame.county_code,
        area_type=frame.area_type,
        counted_members=frame.counted_members.cast("int64"),
        income_per_capita=fen_to_money(frame.income_per_capita_fen),
        standard=fen_to_money(frame.standard_fen),
        detail=frame.detail.cast("string"),
        unverified_parameters=ibis.literal(unverified, type="array<string>"),
    )


MONEY_TYPE = "decimal(14, 2)"


def build_plan(snap: ParameterSnapshot, *, packed_counts: bool = False) -> Plan:
    """Every programme of the catalogue as steps over the unbound population tables
    (``packed_counts``: the form for the household engine, see ``facts.member_aggregates``)."""
    tables = {
        name: ibis.table(_ibis_schema(target), name=input_name(name))
        for name, target in schema.TABLES.items()
    }
    steps: list[Step] = []

    def add(name: str, kind: StepKind, expr: ir.Table) -> ir.Table:
        steps.append(Step(name=name, kind=kind, expr=expr))
        return ibis.table(expr.schema(), name=step_name(name))

    facts = build_facts(
        tables, snap, lambda name, expr: add(name, "stage", expr), packed_counts=packed_counts
    )
    ctx = Context(facts=facts, snap=snap)
    dets: dict[str, ir.Table] = {}
    for programme in CATALOGUE:
        if programme.name == "dibao":
            # The tiers: every household with 特困, 低保 and 低保边缘 decided, read by the rest.
            ctx.facts = replace(ctx.facts, households=add("households", "stage", _tiers(ctx)))
        kind: StepKind = "stage" if programme.name == "tekun" else "frame"
        frame = add(programme.name, kind, with_status(programme, programme.compute(ctx)))
        ctx.frames[programme.name] = frame
        dets[programme.name] = determinations(programme, frame, snap)
    return Plan(snap=snap, steps=tuple(steps), determinations=dets)


def _tiers(ctx: Context) -> ir.Table:
    """The household facts with ``tekun_on``, ``dibao_on`` and ``near_dibao_on``."""
    h = ctx.facts.households
    tk = near_module.tekun_on(ctx.frames["tekun"])
    t = h.left_join(tk, h.household_id == tk.t_household)
    t = t.mutate(tekun_on=ibis.ifelse(t.t_household.isnull(), False, t.any_tekun)).drop(
        "t_household", "any_tekun"
    )
    null = ibis.null("boolean")
    t = t.mutate(
        dibao_on=ibis.ifelse(
            t.registered, on(dibao_module.PROGRAMME, dibao_module.columns(ctx, t)), null
        ),
    )
    t = t.mutate(
        near_dibao_on=ibis.ifelse(
            t.registered, on(near_module.PROGRAMME, near_module.columns(ctx, t)), null
        ),
    )
    return t.mutate(tekun_on=ibis.ifelse(t.registered, t.tekun_on, null))


@dataclass(frozen=True)
class CompiledStep:
    name: str
    kind: StepKind
    sql: str


@dataclass(frozen=True)
class CompiledPlan:
    """The plan as SQL of one dialect, names still the placeholders."""

    key: str
    dialect: str
    snap: ParameterSnapshot
    steps: tuple[CompiledStep, ...]
    determinations: Mapping[str, str]
    # step name -> its Arrow schema (the types the expressions declare)
    schemas: Mapping[str, pa.Schema] = field(default_factory=dict)
    # DuckDB: each programme's determinations with the reason codes as constants of the
    # ``reason_type()`` ENUM (``_reasons_as_enum``), for writing Parquet; a programme whose
    # SQL is not in the expected form is missing (its codes are cast when written).
    enum_determinations: Mapping[str, str] = field(default_factory=dict)

    def union(self, programmes: Iterable[str]) -> str:
        """SQL of the determinations of ``programmes``, in the catalogue's order."""
        parts = [self.determinations[p] for p in programmes]
        return "\nUNION ALL\n".join(f"SELECT * FROM ({sql})" for sql in parts)


_cache: dict[tuple[str, str, bool], CompiledPlan] = {}
_lock = threading.Lock()


def compiled(
    snap: ParameterSnapshot, backend: str = "duckdb", *, packed_counts: bool = False
) -> CompiledPlan:
    """The plan for ``snap`` as SQL for ``backend`` (compiled on first use, then reused);
    ``packed_counts`` for the household engine (``facts.member_aggregates``)."""
    key = (snapshot_key(snap), backend, packed_counts)
    found = _cache.get(key)
    if found is not None:
        return found
    with _lock:
        found = _cache.get(key)
        if found is None:
            plan_key = f"{key[0]}/packed" if packed_counts else key[0]
            plan = build_plan(snap, packed_counts=packed_counts)
            found = _compile(plan, plan_key, DIALECTS[backend])
            if len(_cache) > 64:  # a long-running process sees few snapshots; stay bounded
                _cache.clear()
            _cache[key] = found
        return found


def _sql(expr: ir.Table, dialect: str) -> str:
    return str(ibis.to_sql(expr, dialect=dialect, pretty=False))


def _compile(plan: Plan, key: str, dialect: str) -> CompiledPlan:
    steps = tuple(
        CompiledStep(name=s.name, kind=s.kind, sql=_sql(s.expr, dialect)) for s in plan.steps
    )
    dets = {name: _sql(expr, dialect) for name, expr in plan.determinations.items()}
    schemas = {s.name: s.expr.schema().to_pyarrow() for s in plan.steps}
    enum_dets: dict[str, str] = {}
    if dialect == "duckdb":
        for name, sql in dets.items():
            converted = _reasons_as_enum(sql)
            if converted is not None:
                enum_dets[name] = converted
    return CompiledPlan(
        key=key,
        dialect=dialect,
        snap=plan.snap,
        steps=steps,
        determinations=dets,
        schemas=schemas,
        enum_determinations=enum_dets,
    )


def _enum(words: Iterable[str]) -> str:
    quoted = ", ".join("'" + w.replace("'", "''") + "'" for w in sorted(set(words)))
    return f"ENUM({quoted})"


def reason_words() -> set[str]:
    """Every reason code ``determinations`` can give, for any programme of the catalogue."""
    words = {"amount_unknown"}
    for programme in CATALOGUE:
        for cond in programme.conditions:
            words |= {f"{cond.code}:unknown", f"{cond.code}:failed"}
        words |= {f"parameter_unknown:{name}" for name in programme.parameters}
    return words


@lru_cache(maxsize=1)
def reason_type() -> tuple[str, str]:
    """The DuckDB ENUM of every reason code: its name (after the codes, so that another
    catalogue gets another type) and the statement that creates it on a connection (a
    temporary type: each connection, and each cursor, has its own)."""
    enum = _enum(reason_words())
    name = "mz_reason_" + hashlib.sha256(enum.encode()).hexdigest()[:12]
    return name, f"CREATE TEMP TYPE IF NOT EXISTS {name} AS {enum}"


# How Ibis writes the reason codes of ``determinations`` for DuckDB: one list per reason,
# ``['<code>']`` or ``[]``, in a list cast to ``TEXT[][]`` and flattened.
_FLATTEN_HEAD = "FLATTEN(CAST(["
_FLATTEN_TAIL = "] AS TEXT[][]))"
_ONE_CODE = re.compile(r"\['([^']*)'\]")


def _reasons_as_enum(sql: str) -> str | None:
    """``sql`` (a programme's determinations, DuckDB) with every reason code a constant of
    ``reason_type()``; None if the reason codes are not written in the form expected.

    Lists of ENUM constants are flattened as they are: cast after flattening (as the
    fallback does), every code of every row would be looked up by its text, and each code
    longer than 12 bytes copied into the row's strings first. 3.4 % fewer instructions for a
    chunk (callgrind, 200,000 persons).
    """
    if sql.count(_FLATTEN_HEAD) != 1 or sql.count(_FLATTEN_TAIL) != 1:
        return None
    start = sql.index(_FLATTEN_HEAD)
    end = sql.index(_FLATTEN_TAIL)
    if end < start:
        return None
    name, _ = reason_type()
    words = reason_words()
    body = sql[start + len(_FLATTEN_HEAD) : end]
    codes = _ONE_CODE.findall(body)
    if not codes or any(code not in words for code in codes):
        return None
    body = _ONE_CODE.sub(lambda m: f"['{m.group(1)}'::{name}]", body)
    body = body.replace("ELSE [] END", f"ELSE CAST([] AS {name}[]) END")
    return f"{sql[:start]}FLATTEN(CAST([{body}] AS {name}[][])){sql[end + len(_FLATTEN_TAIL) :]}"


def _output_columns(reasons: str | None = None) -> list[str]:
    """``CAST(column AS type)`` for every column of ``schema.DETERMINATION_FILES`` (DuckDB);
    ``reasons``: the type the reason codes already have (else they are cast to an ENUM)."""
    enums = {
        "programme": _enum(p.name for p in CATALOGUE),
        "status": _enum(schema.DETERMINATION_STATUSES),
        "area_type": _enum(("urban", "rural")),
        "reason_codes": (reasons or _enum(reason_words())) + "[]",
    }
    types = {
        "as_of": "DATE",
        "household_id": "BIGINT",
        "person_id": "BIGINT",
        "monthly_amount": "DECIMAL(14, 2)",
        "counted_members": "BIGINT",
        "income_per_capita": "DECIMAL(14, 2)",
        "standard": "DECIMAL(14, 2)",
    }
    out = []
    for fld in schema.DETERMINATION_FILES:
        kind = enums.get(fld.name) or types.get(fld.name, "VARCHAR")
        out.append(f'CAST("{fld.name}" AS {kind}) AS "{fld.name}"')
    return out


# --- running a plan ------------------------------------------------------------------------------


Binder = Callable[[str, str], None]


class Run:
    """One execution of a compiled plan on a connection, its names prefixed ``mz<id>_``."""

    def __init__(
        self,
        con: BaseBackend,
        plan: CompiledPlan,
        prefix: str | None = None,
        *,
        cursor: Any = None,
    ) -> None:
        self.con = con
        self.plan = plan
        self.backend = backend_name(con)
        self.prefix = prefix or f"mz{uuid.uuid4().hex[:12]}_"
        self.created: list[tuple[str, str]] = []  # (kind, name) to drop
        self._spark_frames: list[Any] = []
        # DuckDB: a cursor of the connection (a connection of its own to the same database)
        # that this run's chunk statements go through, so that two runs work side by side.
        self.cursor = cursor
        # DuckDB: whether ``reason_type()`` exists where this run's statements go (None: not
        # tried yet).
        self._reason_type_ready: bool | None = None

    def execute_sql(self, text: str) -> None:
        """Run a DuckDB statement on this run's cursor (else the backend's connection)."""
        if self.cursor is not None:
            self.cursor.execute(text)
        else:
            self.con.raw_sql(text)

    def fetchone(self, text: str) -> tuple[Any, ...] | None:
        raw = self.cursor if self.cursor is not None else self.con.con
        row: tuple[Any, ...] | None = raw.execute(text).fetchone()
        return row

    def name(self, step: str) -> str:
        return f"{self.prefix}{step}"

    def sql(self, text: str) -> str:
        return text.replace(PLACEHOLDER, self.prefix)

    # inputs -------------------------------------------------------------------------------------
    def bind(self, tables: Mapping[str, ir.Table]) -> None:
        """Put the population tables under the plan's input names (views, nothing copied)."""
        for name, expr in tables.items():
            target = self.name(f"in_{name}")
            if self.backend == "duckdb":
                self.con._run_pre_execute_hooks(expr)  # registers in-memory tables
                body = str(self.con.compile(expr))
                self.con.raw_sql(f'CREATE OR REPLACE TEMP VIEW "{target}" AS {body}')
                self.created.append(("VIEW", target))
            else:
                self.con.create_view(target, expr, overwrite=True)

    def bind_all(self, tables: Mapping[str, ir.Table]) -> dict[str, str]:
        """Put the whole population under ``all_<table>`` (DuckDB), for runs by chunk; returns
        each table's SQL (``bind_all_sql`` binds it on another run's cursor)."""
        bodies = {}
        for name, expr in tables.items():
            self.con._run_pre_execute_hooks(expr)
            bodies[name] = str(self.con.compile(expr))
        self.bind_all_sql(bodies)
        return bodies

    def bind_all_sql(self, bodies: Mapping[str, str]) -> None:
        for name, body in bodies.items():
            target = self.name(f"all_{name}")
            self.execute_sql(f'CREATE OR REPLACE TEMP VIEW "{target}" AS {body}')
            self.created.append(("VIEW", target))

    def chunk_bounds(self, chunks: int) -> list[tuple[int | None, int | None]]:
        """``chunks`` ranges of household IDs of about the same number of households: the
        first open below (and taking null IDs), the last open above."""
        if chunks <= 1:
            return [(None, None)]
        fractions = ", ".join(str(i / chunks) for i in range(1, chunks))
        row = self.fetchone(
            f'SELECT quantile_disc(household_id, [{fractions}]) FROM "{self.name("all_households")}"'
        )
        cuts = sorted({int(c) for c in (row[0] if row and row[0] else []) if c is not None})
        edges: list[int | None] = [None, *cuts, None]
        return [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]

    def bind_chunk(self, lo: int | None, hi: int | None) -> int:
        """Put one chunk of the population (households with ``lo <= id < hi``, their members'
        person records wherever recorded) under the plan's input names; returns its persons.

        Every household's records are in its chunk, and every record that carries a member's
        ``person_id``: the chunks' determinations are exactly the whole population's.
        """
        conds = []
        if lo is not None:
            conds.append(f"household_id >= {int(lo)}")
        if hi is not None:
            conds.append(f"household_id < {int(hi)}")
        in_range = " AND ".join(conds) if conds else "TRUE"
        if lo is None:
            in_range = f"(({in_range}) OR household_id IS NULL)"
        persons = self.name("chunk_persons")
        self.execute_sql(
            f'CREATE OR REPLACE TEMP TABLE "{persons}" AS SELECT DISTINCT person_id '
            f'FROM "{self.name("all_memberships")}" WHERE {in_range} AND person_id IS NOT NULL'
        )
        if ("TABLE", persons) not in self.created:
            self.created.append(("TABLE", persons))
        count, pmin, pmax = self.fetchone(
            f'SELECT count(*), min(person_id), max(person_id) FROM "{persons}"'
        ) or (0, None, None)
        if pmin is None or pmax is None:
            of_members = "FALSE"
        else:
            of_members = (
                f"person_id BETWEEN {int(pmin)} AND {int(pmax)} "
                f'AND person_id IN (SELECT person_id FROM "{persons}")'
            )

        def view(name: str, body: str) -> None:
            target = self.name(f"in_{name}")
            self.execute_sql(f'CREATE OR REPLACE TEMP VIEW "{target}" AS {body}')
            if ("VIEW", target) not in self.created:
                self.created.append(("VIEW", target))

        for name in schema.TABLES:
            source = f'"{self.name(f"all_{name}")}"'
            if name == "persons":
                # Read only by joining the chunk's memberships on person_id: the range is
                # enough (it prunes row groups of sorted files), the join does the rest.
                in_persons = (
                    "FALSE"
                    if pmin is None or pmax is None
                    else f"person_id BETWEEN {int(pmin)} AND {int(pmax)}"
                )
                view(name, f"SELECT * FROM {source} WHERE {in_persons}")
            elif name in ("incomes", "enrolments"):
                # the household's records, and its members' records kept under another household
                view(
                    name,
                    f"SELECT * FROM {source} WHERE {in_range} UNION ALL "
                    f"SELECT * FROM {source} WHERE NOT coalesce({in_range}, FALSE) AND {of_members}",
                )
            else:
                view(name, f"SELECT * FROM {source} WHERE {in_range}")
        return int(count)

    # steps --------------------------------------------------------------------------------------
    def execute(self, *, materialise_frames: bool = False) -> None:
        for step in self.plan.steps:
            as_table = step.kind == "stage" or materialise_frames
            self._create(step.name, self.sql(step.sql), as_table)

    def _create(self, step: str, body: str, as_table: bool) -> None:
        target = self.name(step)
        if self.backend == "duckdb":
            kind = "TABLE" if as_table else "VIEW"
            self.con.raw_sql(f'CREATE OR REPLACE TEMP {kind} "{target}" AS {body}')
            self.created.append((kind, target))
            return
        session = self.con._session
        df = session.sql(body)
        if as_table:
            df = df.cache()
            self._spark_frames.append(df)
        df.createOrReplaceTempView(target)

    def determinations_sql(self, programmes: Iterable[str], *, ordered: bool = False) -> str:
        body = self.sql(self.plan.union(programmes))
        if not ordered:
            return body
        q = '"' if self.backend == "duckdb" else "`"
        order = ", ".join(f"{q}{c}{q} ASC" for c in ORDER)
        return f"SELECT * FROM ({body}) ORDER BY {order}"

    def with_steps(self, query: str) -> str:
        """``query`` preceded by every step of the plan as a common table expression (DuckDB):
        stages ``MATERIALIZED`` (computed once, read by the later steps), frames inlined.

        One statement instead of a temporary table per stage: DuckDB keeps the stages in its
        own buffers rather than building tables (row groups, statistics) it then drops, and the
        whole chunk is planned, run and written in one go.
        """
        ctes = []
        for step in self.plan.steps:
            how = "MATERIALIZED" if step.kind == "stage" else "NOT MATERIALIZED"
            ctes.append(f'"{self.name(step.name)}" AS {how} ({self.sql(step.sql)})')
        return "WITH " + ",\n".join(ctes) + "\n" + query

    def output_sql(self, programmes: Iterable[str]) -> str:
        """The determinations as written to Parquet: the columns of
        ``schema.DETERMINATION_FILES``. On DuckDB every column is cast to its type there, and
        columns of a closed set of words (programme, status, area type, reason codes) to ENUMs, which DuckDB's
        Parquet writer dictionary-encodes without hashing each value (the file holds plain
        strings, read back as ``VARCHAR``)."""
        if self.backend != "duckdb":
            names = ", ".join(f"`{c}`" for c in schema.DETERMINATION_FILES.names)
            return f"SELECT {names} FROM ({self.determinations_sql(programmes)})"
        # Cast in each programme's branch, not after the union: there the programme (and often
        # the status) is a constant, cast once instead of on every row. The reason codes are
        # ENUM constants from the start where the plan has them so.
        enum = reason_type()[0] if self._reason_type_created() else None
        cast = ", ".join(_output_columns())
        as_enum = ", ".join(_output_columns(enum)) if enum else cast
        branches = []
        for p in programmes:
            body = self.plan.enum_determinations.get(p) if enum else None
            columns = as_enum if body else cast
            branches.append(
                f"SELECT {columns} FROM ({self.sql(body or self.plan.determinations[p])})"
            )
        return "\nUNION ALL\n".join(branches)

    def _reason_type_created(self) -> bool:
        """Create ``reason_type()`` where this run's statements go (DuckDB), once; False if it
        cannot be (the codes are then cast when written)."""
        if self._reason_type_ready is None:
            try:
                self.execute_sql(reason_type()[1])
                self._reason_type_ready = True
            except duckdb.Error:
                self._reason_type_ready = False
        return self._reason_type_ready

    def table(self, step: str) -> ir.Table:
        """A step's result as an Ibis table of the connection."""
        return self.con.sql(f"SELECT * FROM {self._quote(self.name(step))}")

    def _quote(self, name: str) -> str:
        return f'"{name}"' if self.backend == "duckdb" else f"`{name}`"

    def close(self) -> None:
        """Drop what the run created (tables, views); nothing else on the connection."""
        if self.backend == "duckdb":
            for kind, name in reversed(self.created):
                with contextlib.suppress(Exception):  # a closed connection has nothing left
                    self.execute_sql(f'DROP {kind} IF EXISTS "{name}"')
        else:
            for df in self._spark_frames:
                df.unpersist()
        self.created.clear()
        self._spark_frames.clear()
