"""The registry → engine seam: the registry's current facts as population tables.

``snapshot_export`` writes the eight tables of ``minzheng.engine.schema`` as Parquet files and
returns an engine ``ParquetSource`` over them; ``household_source`` gives one household's rows as an
in-memory ``ArrowSource`` (the case and alert pages: fast, no files). Both read the same column
mapping, so one household on a page and the nightly run see the same facts.

What goes in:

- open households (``closed_at`` null) and every person (the engine joins persons through
  memberships, so people without a household cost nothing but a row);
- memberships of open households that are not closed as wrong and are in force on the day, or
  ended within ``RECENT_MEMBERSHIP_DAYS`` before it: the engine counts only those valid on the day
  (it filters ``valid_from``/``valid_to`` itself); the recently ended ones let monitoring see a
  member who left;
- every fact not closed as wrong (``closed_at`` null): incomes, assets, expenditures, events,
  enrolments. The engine picks the periods it reads.

What stays out: the plain ID number (the column is null; the registry keeps it encrypted) and the
name (the engine never reads it). ``person_id`` / ``household_id`` are the registry's primary keys.
Each row's ``source`` says where it came from: ``<feed code>/<batch id>`` for an import, or
``user:<username>`` for a worker's entry (``registry`` when neither is recorded).

Rows are read in chunks (``iterator(chunk_size=…)``, a server-side cursor on PostgreSQL) and each
chunk is written as one Parquet row group, so memory stays bounded by the chunk size whatever the
size of the registry.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, Q, QuerySet

from minzheng.engine import schema
from minzheng.engine.population import ArrowSource, ParquetSource
from minzheng.registry import pii
from minzheng.registry.models import (
    Asset,
    Enrolment,
    Expenditure,
    Household,
    ImportBatch,
    Income,
    LifeEvent,
    Membership,
    Person,
)
from minzheng.registry.selectors import current_household

CHUNK_ROWS = 50_000
# Memberships that ended this many days before the day still go in (the engine does not count
# them; monitoring reads them to see a member gone).
RECENT_MEMBERSHIP_DAYS = 366
UNKNOWN_SOURCE = "registry"

# One column of an engine table: (engine name, ORM lookup or None for a null column).
Column = tuple[str, str | None]


def _blank_to_null(value: Any) -> Any:
    return None if value == "" else value


@dataclass(frozen=True)
class _Table:
    """How one engine table is read from the registry."""

    name: str
    model: type[Model]
    columns: tuple[Column, ...]
    # Columns whose "" means "not recorded" (the engine expects null, as the generator writes).
    blank_is_null: tuple[str, ...] = ()
    # Where the source is read: the import batch's id, and the worker (a user id, or for
    # persons the username kept in ``field_sources``).
    source_lookups: tuple[str, ...] = ("source_batch_id", "entered_by_id")

    def lookups(self) -> list[str]:
        found = [lookup for _name, lookup in self.columns if lookup is not None]
        return found + [lookup for lookup in self.source_lookups if lookup not in found]


_PERSONS = _Table(
    "persons",
    Person,
    (
        ("person_id", "pk"),
        ("id_number", None),
        ("name", None),
        ("sex", "sex"),
        ("birth_date", "birth_date"),
        ("life_status", "life_status"),
        ("death_date", "death_date"),
        ("hukou_division", "hukou_division__code"),
        ("residence_division", "residence_division__code"),
        ("disability_grade", "disability_grade"),
        ("disability_kind", "disability_kind"),
        ("self_care_items_lost", "self_care_items_lost"),
        ("work_capacity", "work_capacity"),
        ("school_status", "school_status"),
        ("employment_status", "employment_status"),
        ("industry", "industry"),
        ("major_illness", "major_illness"),
        ("lacks_civil_capacity", "lacks_civil_capacity"),
        ("source", None),
    ),
    blank_is_null=(
        "disability_kind",
        "work_capacity",
        "school_status",
        "employment_status",
        "industry",
    ),
    # The source of the person's identity fields (a key transform: no whole-JSON decoding):
    # the name's own entry, else the creating batch's (``Person.field_source``).
    source_lookups=(
        "field_sources__name__batch",
        "field_sources__name__user",
        "field_sources__created__batch",
    ),
)
_HOUSEHOLDS = _Table(
    "households",
    Household,
    (
        ("household_id", "pk"),
        ("head_person_id", "head_id"),
        ("division_code", "division__code"),
        ("area_type", "area_type"),
        ("address", "address"),
        ("source", None),
    ),
    blank_is_null=("area_type",),
    source_lookups=("source_batch_id",),
)
_MEMBERSHIPS = _Table(
    "memberships",
    Membership,
    (
        ("household_id", "household_id"),
        ("person_id", "person_id"),
        ("relation", "relation"),
        ("apart_reason", "apart_reason"),
        ("valid_from", "valid_from"),
        ("valid_to", "valid_to"),
        ("source", None),
    ),
)
_INCOMES = _Table(
    "incomes",
    Income,
    (
        ("person_id", "person_id"),
        ("household_id", "household_id"),
        ("kind", "kind"),
        ("amount", "amount"),
        ("period_start", "period_start"),
        ("period_end", "period_end"),
        ("source", None),
    ),
)
_ASSETS = _Table(
    "assets",
    Asset,
    (
        ("household_id", "household_id"),
        ("person_id", "person_id"),
        ("kind", "kind"),
        ("value", "value"),
        ("floor_area", "floor_area"),
        ("housing_grade", "housing_grade"),
        ("business_role", "business_role"),
        ("business_operating", "business_operating"),
        ("as_of", "as_of"),
        ("source", None),
    ),
    blank_is_null=("business_role",),
)
_EXPENDITURES = _Table(
    "expenditures",
    Expenditure,
    (
        ("household_id", "household_id"),
        ("person_id", "person_id"),
        ("kind", "kind"),
        ("amount", "amount"),
        ("date", "date"),
        ("source", None),
    ),
)
_EVENTS = _Table(
    "events",
    LifeEvent,
    (
        ("household_id", "household_id"),
        ("person_id", "person_id"),
        ("kind", "kind"),
        ("date", "date"),
        ("amount", "amount"),
        ("detail", "detail"),
        ("source", None),
    ),
)
_ENROLMENTS = _Table(
    "enrolments",
    Enrolment,
    (
        ("household_id", "household_id"),
        ("person_id", "person_id"),
        ("programme", "programme"),
        ("start_date", "start_date"),
        ("end_date", "end_date"),
        ("monthly_amount", "monthly_amount"),
        ("source", None),
    ),
)
TABLES: tuple[_Table, ...] = (
    _PERSONS,
    _HOUSEHOLDS,
    _MEMBERSHIPS,
    _INCOMES,
    _ASSETS,
    _EXPENDITURES,
    _EVENTS,
    _ENROLMENTS,
)


class _Sources:
    """Turns (batch id, user id) into the ``source`` text, with two small look-up tables."""

    def __init__(self, batch_ids: Iterable[int] | None = None) -> None:
        """Every import batch, or (a few households' rows) only ``batch_ids``."""
        batches = ImportBatch.objects.all()
        if batch_ids is not None:
            batches = batches.filter(pk__in=sorted(set(batch_ids)))
        self.batches: dict[int, str] = {
            pk: f"{code}/{pk}" for pk, code in batches.values_list("pk", "feed__code")
        }
        self.users: dict[int, str] = {}

    def _user(self, user_id: int) -> str:
        if user_id not in self.users:
            username = (
                get_user_model()
                .objects.filter(pk=user_id)
                .values_list("username", flat=True)
                .first()
            )
            self.users[user_id] = f"user:{username}" if username else UNKNOWN_SOURCE
        return self.users[user_id]

    def fact(self, batch_id: int | None, user_id: int | None) -> str:
        if batch_id is not None:
            return self.batches.get(batch_id, f"batch/{batch_id}")
        if user_id is not None:
            return self._user(user_id)
        return UNKNOWN_SOURCE

    def person(self, batch_id: Any, username: Any) -> str:
        """A person's source: that of their identity fields (``field_sources["name"]``)."""
        if batch_id is not None:
            return self.batches.get(int(batch_id), f"batch/{batch_id}")
        if username:
            return f"user:{username}"
        return UNKNOWN_SOURCE


def _querysets(as_of: dt.date, household_ids: Sequence[int] | None) -> dict[str, QuerySet[Any]]:
    """The rows of each table: the whole registry, or only ``household_ids`` and their members."""
    recent = as_of - dt.timedelta(days=RECENT_MEMBERSHIP_DAYS)
    memberships = Membership.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=recent),
        closed_at__isnull=True,
        household__closed_at__isnull=True,
    )
    households = Household.objects.filter(closed_at__isnull=True)
    persons = Person.objects.all()
    if household_ids is None:
        facts: dict[str, QuerySet[Any]] = {
            "incomes": Income.objects.filter(closed_at__isnull=True),
            "assets": Asset.objects.filter(closed_at__isnull=True),
            "expenditures": Expenditure.objects.filter(closed_at__isnull=True),
            "events": LifeEvent.objects.filter(closed_at__isnull=True),
            "enrolments": Enrolment.objects.filter(closed_at__isnull=True),
        }
    else:
        ids = list(household_ids)
        memberships = memberships.filter(household_id__in=ids)
        households = households.filter(pk__in=ids)
        # A subquery, not a list: the same members, and the SQL does not depend on who they are
        # (so that one household's queries are compiled once, ``_HouseholdQueries``).
        members = memberships.values("person_id")
        persons = persons.filter(pk__in=members)
        # As ``Population.for_households``: the households' rows, and their members' own rows
        # filed under no household.
        mine = Q(household_id__in=ids) | Q(household__isnull=True, person_id__in=members)
        facts = {
            "incomes": Income.objects.filter(mine, closed_at__isnull=True),
            "assets": Asset.objects.filter(mine, closed_at__isnull=True),
            "expenditures": Expenditure.objects.filter(mine, closed_at__isnull=True),
            "events": LifeEvent.objects.filter(mine, closed_at__isnull=True),
            "enrolments": Enrolment.objects.filter(household_id__in=ids, closed_at__isnull=True),
        }
    return {
        "persons": persons.order_by("pk"),
        "households": households.order_by("pk"),
        "memberships": memberships.order_by("pk"),
        **{name: qs.order_by("pk") for name, qs in facts.items()},
    }


def _build(
    table: _Table, batch: list[tuple[Any, ...]], position: dict[str, int], sources: _Sources
) -> pa.Table:
    """Rows of ``table.lookups()`` as an Arrow table of ``schema.TABLES[table.name]``."""
    target = schema.TABLES[table.name]
    arrays = []
    for name, lookup in table.columns:
        kind = target.field(name).type
        if name == "source":
            arrays.append(pa.array(_source_column(table, batch, position, sources), kind))
            continue
        if lookup is None:
            arrays.append(pa.nulls(len(batch), kind))
            continue
        values = [row[position[lookup]] for row in batch]
        if name in table.blank_is_null:
            values = [_blank_to_null(v) for v in values]
        arrays.append(pa.array(values, kind))
    return pa.Table.from_arrays(arrays, schema=target)


def _positions(table: _Table) -> dict[str, int]:
    return {lookup: i for i, lookup in enumerate(table.lookups())}


def _chunks(
    table: _Table, queryset: QuerySet[Any], sources: _Sources, chunk_rows: int
) -> Iterator[pa.Table]:
    """The rows of ``queryset`` as Arrow tables of ``schema.TABLES[table.name]``, a chunk each."""
    position = _positions(table)
    rows: list[tuple[Any, ...]] = []
    for row in queryset.values_list(*table.lookups()).iterator(chunk_size=chunk_rows):
        rows.append(row)
        if len(rows) >= chunk_rows:
            yield _build(table, rows, position, sources)
            rows = []
    if rows:
        yield _build(table, rows, position, sources)


def _source_column(
    table: _Table, batch: list[tuple[Any, ...]], position: dict[str, int], sources: _Sources
) -> list[str]:
    at = [position[lookup] for lookup in table.source_lookups]
    if table is _PERSONS:
        return [
            sources.person(row[at[0]] if row[at[0]] is not None else row[at[2]], row[at[1]])
            for row in batch
        ]
    if len(at) == 1:
        return [sources.fact(row[at[0]], None) for row in batch]
    return [sources.fact(row[at[0]], row[at[1]]) for row in batch]


@dataclass(frozen=True)
class Snapshot:
    """A snapshot written to ``directory``: its rows per table, and the engine source over it."""

    directory: Path
    as_of: dt.date
    rows: dict[str, int]
    seconds: float
    source: ParquetSource = field(repr=False)


def snapshot_export(
    *,
    directory: Path,
    as_of: dt.date | None = None,
    household_ids: Iterable[int] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[str], None] | None = None,
) -> Snapshot:
    """Write the registry's current facts to ``directory`` as ``<table>.parquet`` (engine schema).

    ``as_of`` (default today) decides which ended memberships still go in; ``household_ids``
    limits the snapshot to those households and their members. Memory is bounded by
    ``chunk_rows``. Returns the rows written per table and a ``ParquetSource`` for ``evaluate``.
    """
    started = time.perf_counter()
    day = as_of or dt.date.today()
    directory.mkdir(parents=True, exist_ok=True)
    sources = _Sources()
    ids = None if household_ids is None else [int(h) for h in household_ids]
    rows: dict[str, int] = {}
    for table, queryset in zip(TABLES, _querysets(day, ids).values(), strict=True):
        path = directory / f"{table.name}.parquet"
        written = 0
        with pq.ParquetWriter(path, schema.TABLES[table.name]) as writer:
            for chunk in _chunks(table, queryset, sources, chunk_rows):
                writer.write_table(chunk)
                written += chunk.num_rows
        rows[table.name] = written
        if progress is not None:
            progress(f"{table.name}: {written:,}")
    return Snapshot(
        directory=directory,
        as_of=day,
        rows=rows,
        seconds=time.perf_counter() - started,
        source=ParquetSource(directory),
    )


def household_tables(
    household_ids: Iterable[int], *, as_of: dt.date | None = None
) -> dict[str, pa.Table]:
    """The population tables of some households and their members, in memory."""
    day = as_of or dt.date.today()
    ids = [int(h) for h in household_ids]
    if len(ids) == 1:
        return _HouseholdQueries.here().tables(ids[0], day)
    return _tables_by_orm(ids, day)


def _tables_by_orm(ids: list[int], day: dt.date) -> dict[str, pa.Table]:
    sources = _Sources()
    out: dict[str, pa.Table] = {}
    for table, queryset in zip(TABLES, _querysets(day, ids).values(), strict=True):
        parts = list(_chunks(table, queryset, sources, CHUNK_ROWS))
        out[table.name] = (
            pa.concat_tables(parts) if parts else schema.TABLES[table.name].empty_table()
        )
    return out


# Stand-ins compiled into one household's queries, replaced by the real values on each read.
_HOUSEHOLD_MARK = -918_273_645  # no primary key is negative
_DAY_MARK = dt.date(1901, 2, 3)


class _HouseholdQueries:
    """One household's eight queries, compiled to SQL once per thread and database.

    The household page, ``minzheng explain`` and the API read one household at a time; building
    eight ORM querysets and compiling them costs more than running them. Here they are built
    once by ``_querysets`` (the very filters of the export) for a stand-in household and day,
    and each read only swaps the stand-ins in the parameters, runs the SQL and lets the same
    compiler convert the rows (dates, decimals, JSON keys) as ``values_list`` would.
    """

    _local = threading.local()

    def __init__(self) -> None:
        self.using = DEFAULT_DB_ALIAS
        self.vendor = connections[self.using].vendor
        ops = connections[self.using].ops
        self.mark_day = ops.adapt_datefield_value(_DAY_MARK)
        stand_in = _DAY_MARK + dt.timedelta(days=RECENT_MEMBERSHIP_DAYS)
        querysets = _querysets(stand_in, [_HOUSEHOLD_MARK])
        self.compiled: list[tuple[_Table, Any, str, tuple[Any, ...]]] = []
        for table, queryset in zip(TABLES, querysets.values(), strict=True):
            compiler = queryset.values_list(*table.lookups()).query.get_compiler(self.using)
            sql, params = compiler.as_sql()
            self.compiled.append((table, compiler, sql, tuple(params)))

    @classmethod
    def here(cls) -> _HouseholdQueries:
        """The compiled queries of this thread (its own database connection)."""
        found: _HouseholdQueries | None = getattr(cls._local, "queries", None)
        if found is None or found.vendor != connections[DEFAULT_DB_ALIAS].vendor:
            found = cls()
            cls._local.queries = found
        return found

    def tables(self, household_id: int, day: dt.date) -> dict[str, pa.Table]:
        ops = connections[self.using].ops
        recent = ops.adapt_datefield_value(day - dt.timedelta(days=RECENT_MEMBERSHIP_DAYS))
        fetched: list[tuple[_Table, list[tuple[Any, ...]]]] = []
        with connections[self.using].cursor() as cursor:
            for table, compiler, sql, params in self.compiled:
                values = [
                    household_id
                    if p == _HOUSEHOLD_MARK
                    else recent
                    if p == self.mark_day and type(p) is type(self.mark_day)
                    else p
                    for p in params
                ]
                cursor.execute(sql, values)
                raw = cursor.fetchall()
                fetched.append((table, list(compiler.results_iter([raw], tuple_expected=True))))
        sources = _Sources(_batch_ids(fetched))
        return {
            table.name: _build(table, rows, _positions(table), sources) for table, rows in fetched
        }


def _batch_ids(fetched: list[tuple[_Table, list[tuple[Any, ...]]]]) -> set[int]:
    """The import batches the rows name (their sources)."""
    found: set[int] = set()
    for table, rows in fetched:
        positions = _positions(table)
        for lookup in table.source_lookups:
            if "batch" in lookup:  # source_batch_id, field_sources__<entry>__batch
                at = positions[lookup]
                found.update(int(row[at]) for row in rows if row[at] is not None)
    return found


def household_source(*, household: Household, as_of: dt.date | None = None) -> ArrowSource:
    """One household's rows (and its members') as an engine source, for the case and alert pages.

    ``evaluate(household_source(...))`` goes through the same expressions as a nightly run.
    """
    return ArrowSource(household_tables([household.pk], as_of=as_of), household_id=household.pk)


def person_names(person_ids: Iterable[int]) -> dict[int, str]:
    """Names of persons by primary key (monitoring puts them into the reasons it writes)."""
    ids = sorted({int(p) for p in person_ids})
    names: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        names.update(
            Person.objects.filter(pk__in=ids[start : start + 900]).values_list("pk", "name")
        )
    return names


def household_places(household_ids: Iterable[int]) -> dict[int, str]:
    """The village code of each open household, by primary key."""
    ids = sorted({int(h) for h in household_ids})
    places: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        places.update(
            Household.objects.filter(
                pk__in=ids[start : start + 900], closed_at__isnull=True
            ).values_list("pk", "division__code")
        )
    return places


# --- look-ups monitoring needs beside the snapshot ------------------------------------------------


def household_of_id_number(id_number: str) -> Household | None:
    """The current household of the person with this ID number (a report names someone)."""
    person = Person.objects.filter(id_number_hash=pii.lookup_hash(id_number)).first()
    return current_household(person) if person is not None else None


def household_enrolled(household: Household, *, on: dt.date) -> bool:
    """Whether the household (or a member in it) receives a programme on ``on``."""
    return (
        Enrolment.objects.filter(household=household, closed_at__isnull=True, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .exists()
    )
