"""``evaluate()``: every programme of the catalogue over a population, as determinations.

The result is lazy: ``Evaluation.table`` is one Ibis expression (the union of every programme's
determinations) that the backend runs when it is written (``to_parquet``) or fetched
(``to_pyarrow``). One household or thirty million go through the same expressions.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from minzheng.engine import schema
from minzheng.engine.backends import Backend, backend_name
from minzheng.engine.expr import fen_to_money
from minzheng.engine.facts import Facts, build_facts
from minzheng.engine.parameters import (
    ParameterDefinition,
    ParameterSnapshot,
    load_seed,
    snapshot,
)
from minzheng.engine.population import Population, PopulationSource, load_population
from minzheng.engine.programmes import BY_NAME, CATALOGUE, Context, Programme
from minzheng.engine.programmes.base import with_status

ParametersArg = ParameterSnapshot | Iterable[ParameterDefinition] | None
PopulationArg = Population | PopulationSource | Mapping[str, pa.Table] | Path | str


@dataclass
class Evaluation:
    """Determinations of one evaluation, lazily; plus the per-programme frames ``explain`` reads."""

    population: Population
    snap: ParameterSnapshot
    facts: Facts
    frames: dict[str, ir.Table]
    programmes: tuple[Programme, ...]
    keep: Any = None  # the materialised tables' owner, alive as long as the evaluation

    @property
    def as_of(self) -> dt.date:
        return self.snap.as_of

    @property
    def table(self) -> ir.Table:
        parts = [determinations(p, self.frames[p.name], self.snap) for p in self.programmes]
        return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]

    def to_pyarrow(self) -> pa.Table:
        """All determinations in memory, in the ``schema.DETERMINATIONS`` layout, sorted."""
        t = self.table.order_by(["programme", "household_id", "person_id"])
        return self.population.con.to_pyarrow(t).cast(schema.DETERMINATIONS)

    def to_parquet(self, path: Path | str) -> None:
        """Write all determinations to one Parquet file (streamed by the backend)."""
        self.population.con.to_parquet(self.table, str(path))


def resolve_parameters(parameters: ParametersArg, as_of: dt.date) -> ParameterSnapshot:
    if isinstance(parameters, ParameterSnapshot):
        if parameters.as_of != as_of:
            raise ValueError(f"parameter snapshot is as of {parameters.as_of}, not {as_of}")
        return parameters
    return snapshot(as_of, load_seed() if parameters is None else parameters)


def evaluate(
    population: PopulationArg,
    parameters: ParametersArg = None,
    as_of: dt.date | None = None,
    backend: Backend | str = "duckdb",
    *,
    programmes: Sequence[str] | None = None,
    cache: bool = True,
) -> Evaluation:
    """Evaluate the programme catalogue (or the named programmes and what they read).

    ``population``: a ``Population`` (its connection decides the backend), a source, Arrow tables
    or a Parquet directory. ``parameters``: a snapshot, definitions (e.g. from the database), or
    ``None`` for the reviewed seed. ``as_of`` defaults to the snapshot's date, else today.
    ``cache=True`` (the default) materialises the shared facts and the tier programmes (特困,
    低保, 低保边缘) once on the backend, so that later programmes read small tables; with
    ``cache=False`` everything stays one lazy expression.
    """
    if as_of is None:
        as_of = parameters.as_of if isinstance(parameters, ParameterSnapshot) else dt.date.today()
    snap = resolve_parameters(parameters, as_of)
    pop = population if isinstance(population, Population) else load_population(population, backend)
    materialize = Materializer(pop.con) if cache else _lazy
    facts = build_facts(pop, snap, materialize=materialize)
    ctx = Context(facts=facts, snap=snap)
    wanted = set(programmes) if programmes is not None else set(BY_NAME)
    unknown = wanted - set(BY_NAME)
    if unknown:
        raise ValueError(f"unknown programmes: {sorted(unknown)}")
    for programme in CATALOGUE:
        frame = with_status(programme, programme.compute(ctx))
        if cache and programme.name in ("tekun", "dibao", "near_dibao"):
            frame = materialize(frame)
        ctx.frames[programme.name] = frame
    chosen = tuple(p for p in CATALOGUE if p.name in wanted)
    return Evaluation(population=pop, snap=snap, facts=facts, frames=ctx.frames, programmes=chosen)


class Materializer:
    """Runs an expression once into a temporary table of the connection and reads it from there.

    DuckDB: a temporary table (lives as long as the connection). Spark: a cached DataFrame kept
    referenced here (Ibis drops a cached table when its expression object is collected).
    """

    def __init__(self, con: Any) -> None:
        self.con = con
        self.keep: list[ir.Table] = []

    def __call__(self, table: ir.Table) -> ir.Table:
        if backend_name(self.con) == "duckdb":
            name = f"mz_{uuid.uuid4().hex[:16]}"
            result = self.con.create_table(name, table, temp=True)
        else:
            result = table.cache()
        self.keep.append(result)
        return result


def _lazy(table: ir.Table) -> ir.Table:
    return table


def unverified_parameters(programme: Programme, snap: ParameterSnapshot) -> list[str]:
    """Parameters the programme reads whose value in force is unknown or not verified."""
    return [name for name in programme.parameters if not snap.get(name).verified]


def determinations(programme: Programme, frame: ir.Table, snap: ParameterSnapshot) -> ir.Table:
    """A programme frame as rows of ``schema.DETERMINATIONS``."""
    null_str = ibis.null("string")
    eligible = frame.status == "eligible"
    reasons: list[Any] = []
    for cond in programme.conditions:
        col = frame[f"c_{cond.code}"]
        reasons.append(
            ibis.cases(
                (col.isnull(), f"{cond.code}:unknown"),
                (~col, f"{cond.code}:failed"),
                else_=null_str,
            )
        )
        for name in cond.parameters:
            if not snap.known(name):
                reasons.append(ibis.ifelse(col.isnull(), f"parameter_unknown:{name}", null_str))
    amount_missing = eligible & frame.amount_fen.isnull()
    reasons.append(ibis.ifelse(amount_missing, "amount_unknown", null_str))
    for name in programme.amount_parameters:
        if not snap.known(name):
            reasons.append(ibis.ifelse(amount_missing, f"parameter_unknown:{name}", null_str))
    reason_codes = ibis.array(reasons).filter(lambda r: r.notnull())
    amount = ibis.ifelse(eligible, fen_to_money(frame.amount_fen), ibis.null(schema_money()))
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


def schema_money() -> str:
    return "decimal(14, 2)"
