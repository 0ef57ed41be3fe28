"""A population: the eight tables of ``schema`` as Ibis tables on one backend connection.

Sources are interchangeable (design.md, "The engine contract"): Parquet files written by the registry
snapshot export or the generator, in-memory Arrow tables (tests, one household), or anything else
that implements ``PopulationSource.load(con)``. Missing tables are empty tables of the right schema.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from minzheng.engine import schema
from minzheng.engine.backends import Backend, backend_name, connect


@dataclass(frozen=True)
class Population:
    """The population tables on one connection; ``tables[name]`` follows ``schema.TABLES[name]``."""

    con: BaseBackend
    tables: Mapping[str, ibis.Table]
    # Temporary directories that must live as long as the population (Spark reads files lazily).
    _keep: tuple[object, ...] = field(default=(), repr=False, compare=False)
    # The same tables in memory, when the population was given as Arrow tables (DuckDB).
    arrow: Mapping[str, pa.Table] | None = field(default=None, repr=False, compare=False)

    @property
    def persons_in_memory(self) -> int | None:
        """How many person rows the in-memory tables hold (``None`` when not in memory)."""
        return None if self.arrow is None else self.arrow["persons"].num_rows

    def __getattr__(self, name: str) -> ibis.Table:
        if name in schema.TABLES:
            return self.tables[name]
        raise AttributeError(name)

    @property
    def backend(self) -> Backend:
        return backend_name(self.con)

    def with_keep(self, obj: object) -> Population:
        """The same population, keeping ``obj`` (a temporary directory) alive with it."""
        return Population(
            con=self.con, tables=self.tables, _keep=(*self._keep, obj), arrow=self.arrow
        )

    def for_households(self, household_ids: Iterable[int]) -> Population:
        """The same population restricted to some households and their members' records.

        ``evaluate`` on the result goes through exactly the expressions of a whole-population run.
        """
        ids = [int(h) for h in household_ids]
        t = self.tables
        members = t["memberships"].filter(t["memberships"].household_id.isin(ids))
        person_ids = members.select("person_id").distinct()
        persons = t["persons"].filter(t["persons"].person_id.isin(person_ids.person_id))
        out = {
            "persons": persons,
            "households": t["households"].filter(t["households"].household_id.isin(ids)),
            "memberships": members,
        }
        for name in ("incomes", "assets", "expenditures", "events", "enrolments"):
            table = t[name]
            out[name] = table.filter(
                table.household_id.isin(ids)
                | (table.household_id.isnull() & table.person_id.isin(person_ids.person_id))
            )
        return Population(con=self.con, tables=out, _keep=self._keep)


class PopulationSource(Protocol):
    """Anything that can put the eight population tables on a connection.

    ``ParquetSource`` (a directory, e.g. the registry's ``snapshot_export``) and ``ArrowSource``
    (tables in memory, e.g. the registry's ``household_source``) implement it.
    """

    def load(self, con: BaseBackend) -> Population: ...


def conform(table: pa.Table, name: str) -> pa.Table:
    """Columns in schema order and types; absent columns become nulls. A table already in the
    schema's columns and types (a registry read) is returned as it is."""
    target = schema.TABLES[name]
    if table.schema.equals(target):
        return table
    columns = []
    for fld in target:
        if fld.name in table.column_names:
            columns.append(table.column(fld.name).cast(fld.type))
        else:
            columns.append(pa.nulls(table.num_rows, fld.type))
    return pa.Table.from_arrays(columns, schema=target)


def conform_all(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """Every population table of ``tables`` conformed (``conform``); a missing one empty."""
    out = {}
    for name, target in schema.TABLES.items():
        found = tables.get(name)
        out[name] = target.empty_table() if found is None else conform(found, name)
    return out


@dataclass(frozen=True)
class ArrowSource:
    """Population tables given as Arrow tables (missing ones are empty).

    ``household_id``: the tables hold exactly that household's rows and its members' (a
    registry read), so nothing needs to be sliced out of them to explain it."""

    tables: Mapping[str, pa.Table]
    household_id: int | None = None

    def load(self, con: BaseBackend) -> Population:
        conformed = conform_all(self.tables)
        if backend_name(con) == "spark":
            # Spark reads Parquet natively; in-memory tables with decimals do not round-trip.
            tmp = tempfile.TemporaryDirectory(prefix="minzheng-pop-")
            for name, table in conformed.items():
                pq.write_table(table, Path(tmp.name) / f"{name}.parquet")
            return ParquetSource(Path(tmp.name)).load(con).with_keep(tmp)
        tables = {name: ibis.memtable(table) for name, table in conformed.items()}
        return Population(con=con, tables=tables, arrow=conformed)


@dataclass(frozen=True)
class ParquetSource:
    """A directory with ``<table>.parquet`` files or ``<table>/`` directories of Parquet parts."""

    directory: Path

    def load(self, con: BaseBackend) -> Population:
        tables: dict[str, ibis.Table] = {}
        for name, target in schema.TABLES.items():
            path = self.directory / f"{name}.parquet"
            part_dir = self.directory / name
            if path.exists():
                found: str | None = str(path)
            elif part_dir.is_dir() and any(part_dir.glob("*.parquet")):
                found = str(part_dir / "*.parquet")
            else:
                found = None
            if found is None:
                tables[name] = ibis.memtable(target.empty_table())
                continue
            table = con.read_parquet(found)
            tables[name] = table.select(
                *[
                    table[f.name].cast(ibis.dtype(f.type))
                    if f.name in table.columns
                    else ibis.null(ibis.dtype(f.type)).name(f.name)
                    for f in target
                ]
            )
        return Population(con=con, tables=tables)


def in_memory_tables(source: object) -> dict[str, pa.Table] | None:
    """The population tables when they are in memory (Arrow tables, an ``ArrowSource``, a
    population loaded from them), conformed to the schema; ``None`` otherwise."""
    if isinstance(source, Population):
        return None if source.arrow is None else dict(source.arrow)
    tables: Mapping[str, pa.Table] | None = None
    if isinstance(source, ArrowSource):
        tables = source.tables
    elif isinstance(source, Mapping):
        tables = source
    if tables is None:
        return None
    return conform_all(tables)


def load_population(
    source: PopulationSource | Mapping[str, pa.Table] | Path | str,
    backend: Backend | str = "duckdb",
    con: BaseBackend | None = None,
) -> Population:
    """A population from a source (an object with ``load``, Arrow tables, or a Parquet directory)."""
    con = con or connect(backend)
    if isinstance(source, str | Path):
        return ParquetSource(Path(source)).load(con)
    if isinstance(source, Mapping):
        return ArrowSource(source).load(con)
    return source.load(con)
