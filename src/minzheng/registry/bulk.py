"""Loading a population written as Parquet (the engine's table schema) into the registry, fast.

This is the path for whole populations — the synthetic demo population, or a snapshot restored
from Parquet — where row-by-row services would take hours. It keeps what the services promise:

- ID numbers are checked, stored encrypted with their keyed look-up hash and masked copy;
- every fact carries its source: one ``ImportBatch`` per feed named in the rows' ``source``
  column (the feed is created from the manifest's names when it does not exist yet), and the
  registry's fingerprint over its natural key (``services.fingerprints``: the same text
  ``fact_fingerprint`` hashes, computed here a column at a time — a test holds them equal);
- idempotent: persons are matched by hash, households by number, facts by fingerprint
  (memberships among their person's, whose fingerprints are not indexed), so a
  re-run adds nothing and a larger population with the same key adds only what is new;
- one transaction: a failure leaves nothing half loaded; one audit event records the load.

Rows go in with ``bulk_create`` in chunks; division codes are resolved with one query. Memory
grows with the number of persons (a person id → pk and hash map): meant for up to a few million.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db import connection, models, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone
from tqdm import tqdm

from minzheng.audit.services import record_event
from minzheng.divisions import selectors as division_selectors
from minzheng.registry import idnumbers, pii
from minzheng.registry.ingest.sql import select_in
from minzheng.registry.models import (
    Asset,
    DigestField,
    Enrolment,
    Expenditure,
    Feed,
    Household,
    ImportBatch,
    Income,
    LifeEvent,
    Membership,
    Person,
)
from minzheng.registry.services.fingerprints import SEPARATOR, fact_fields, source_key_for_feed

MANIFEST = "manifest.json"
DEFAULT_BATCH_ROWS = 5000
LOAD_ACTION = "registry.population.load"
BATCH_PREFIX = "合成人口"
_INSERT_CHUNK = 2000
_LOOKUP_CHUNK = 900

# Which feed states each person attribute (the person page shows it next to the value).
_ATTRIBUTE_FEEDS = {
    "id_number": "police_hukou",
    "birth_date": "police_hukou",
    "sex": "police_hukou",
    "name": "police_hukou",
    "life_status": "police_hukou",
    "hukou_division": "police_hukou",
    "residence_division": "police_hukou",
    "death_date": "police_deaths",
    "disability_grade": "disability_certificates",
    "disability_kind": "disability_certificates",
    "school_status": "education_students",
    "employment_status": "hrss_contributions",
    "industry": "hrss_contributions",
    "major_illness": "healthcare_medical",
    "self_care_items_lost": "civil_survey",
    "work_capacity": "civil_survey",
    "lacks_civil_capacity": "civil_survey",
}


class PopulationError(ValueError):
    """The directory does not hold a population this loader can read."""


@dataclass(frozen=True)
class LoadResult:
    """What one load did: rows created per table (0 everywhere on a re-run)."""

    key: str
    created: dict[str, int]
    seconds: float


def household_number(key: str, household_id: int) -> str:
    """The registry number of a generated household: ``S`` + population key + id (19 chars)."""
    return f"S{key[:8]}-{household_id:09d}"


def batch_hash(key: str) -> str:
    """The ``file_sha256`` of the import batches of the population ``key``."""
    return hashlib.sha256(f"synthetic-population:{key}".encode()).hexdigest()


def population_loaded(key: str | None = None) -> bool:
    """Whether a population (with ``key``, or any) was loaded by ``load_population``."""
    batches = ImportBatch.objects.filter(file_name__startswith=BATCH_PREFIX)
    if key is not None:
        batches = batches.filter(file_sha256=batch_hash(key))
    return batches.exists()


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of a population directory; ``PopulationError`` when there is none."""
    path = directory / MANIFEST
    if not path.exists():
        raise PopulationError(f"{directory} has no {MANIFEST}")
    manifest = dict(json.loads(path.read_text()))
    for name in ("key", "feeds", "as_of", "seed"):
        if name not in manifest:
            raise PopulationError(f"{MANIFEST} lacks {name!r}")
    return manifest


def _text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A column as the text ``fingerprints.normalise`` gives its values ("" for null)."""
    if pa.types.is_boolean(column.type):
        column = pc.if_else(column, "1", "0")
    elif not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())  # dates ISO, decimals with their 2 places
    else:
        column = pc.utf8_trim_whitespace(column)
    return pc.fill_null(column, "")


def fingerprints(kind: str, source: pa.Array, fields: dict[str, pa.Array]) -> list[str]:
    """``fact_fingerprint`` for a column of facts of ``kind``: ``source`` holds feed codes,
    ``fields`` the natural-key columns by name (a field not given counts as empty)."""
    n = len(source)
    empty = pa.array([""] * n, type=pa.string())
    parts = [pc.binary_join_element_wise(source_key_for_feed(""), source, "")]
    parts += [_text(fields[name]) if name in fields else empty for name in fact_fields(kind)]
    joined = pc.binary_join_element_wise(kind, *parts, SEPARATOR)
    return [hashlib.sha256(text.encode()).hexdigest() for text in joined.to_pylist()]


class _Loader:
    def __init__(self, directory: Path, manifest: dict[str, Any], progress: bool, rows: int):
        self.directory = directory
        self.manifest = manifest
        self.key = str(manifest["key"])
        self.progress = progress
        self.batch_rows = rows
        self.sqlite = connection.vendor == "sqlite"
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.created: dict[str, int] = {}
        self.created_by_feed: dict[str, int] = {}
        self.feeds: dict[str, Feed] = {}
        self.batches: dict[str, ImportBatch] = {}
        self.divisions: dict[str, int] = {}
        n = self._largest_id("persons", "person_id") + 1
        self.person_pk = np.zeros(n, dtype=np.int64)
        self.person_hash = np.zeros(n, dtype="S64")
        self.person_hash_column = pa.array([], type=pa.string())
        self.household_pk = np.zeros(self._largest_id("households", "household_id") + 1, np.int64)

    # --- reading -------------------------------------------------------------------------

    def _path(self, table: str) -> Path:
        path = self.directory / f"{table}.parquet"
        if not path.exists():
            raise PopulationError(f"{path} is missing")
        return path

    def _largest_id(self, table: str, column: str) -> int:
        ids = pq.read_table(self._path(table), columns=[column]).column(column)
        return int(pc.max(ids).as_py() or 0)

    def batches_of(self, table: str) -> Iterator[pa.Table]:
        parquet = pq.ParquetFile(self._path(table))
        bar = tqdm(
            total=parquet.metadata.num_rows,
            desc=f"载入 {table}",
            unit="行",
            disable=not self.progress,
        )
        try:
            for batch in parquet.iter_batches(batch_size=self.batch_rows):
                yield pa.Table.from_batches([batch])
                bar.update(batch.num_rows)
        finally:
            bar.close()

    def values(self, column: pa.ChunkedArray | pa.Array) -> list[Any]:
        """A column as values the database driver takes (what Django's adapters would give)."""
        kind = column.type
        if self.sqlite and (pa.types.is_date(kind) or pa.types.is_decimal(kind)):
            return list(pc.cast(column, pa.string()).to_pylist())  # ISO dates, "123.45"
        if pa.types.is_string(kind):
            return list(pc.fill_null(column, "").to_pylist())
        return list(column.to_pylist())

    # --- sources ----------------------------------------------------------------------------

    def prepare_sources(self) -> None:
        names: dict[str, str] = dict(self.manifest["feeds"])
        existing = {f.code: f for f in Feed.objects.filter(code__in=list(names))}
        city = division_selectors.city()
        now = timezone.now()
        for code, name in names.items():
            feed = existing.get(code)
            if feed is None:
                feed = Feed(code=code, name=name, description="载入合成人口时建立")
                feed.full_clean()
                feed.save()
                record_event(
                    actor=None,
                    action="feed.create",
                    obj=feed,
                    after={"code": feed.code, "name": feed.name},
                )
            self.feeds[code] = feed
            self.batches[code], _created = ImportBatch.objects.get_or_create(
                feed=feed,
                file_sha256=batch_hash(self.key),
                defaults={
                    "file_name": (
                        f"{BATCH_PREFIX} {self.key}（种子 {self.manifest['seed']}，"
                        f"截至 {self.manifest['as_of']}）"
                    ),
                    "status": ImportBatch.Status.SUCCEEDED,
                    "scope_path": city.path,
                    "started_at": now,
                    "finished_at": now,
                },
            )
        self.divisions = dict(
            division_selectors.subtree(city, include_retired=True).values_list("code", "id")
        )

    def batch_of(self, sources: pa.ChunkedArray | pa.Array) -> list[int]:
        """The import batch id of each row, from its feed code."""
        codes = list(self.batches)
        index = pc.index_in(sources, value_set=pa.array(codes, type=pa.string()))
        if index.null_count:
            unknown = set(pc.filter(sources, pc.is_null(index)).to_pylist())
            raise PopulationError(f"sources not in the manifest: {', '.join(sorted(unknown))}")
        ids = pa.array([self.batches[c].pk for c in codes], type=pa.int64())
        return list(pc.take(ids, index).to_pylist())

    def field_sources(self) -> Any:
        at = timezone.now().isoformat(timespec="seconds")
        entries: dict[str, dict[str, Any]] = {}
        for attribute, code in _ATTRIBUTE_FEEDS.items():
            feed = self.feeds.get(code) or self.feeds["police_hukou"]
            entries[attribute] = {
                "at": at,
                "batch": self.batches[feed.code].pk,
                "feed": feed.code,
                "feed_name": feed.name,
            }
        return Person._meta.get_field("field_sources").get_db_prep_save(entries, connection)

    def division(self, code: str) -> int:
        try:
            return self.divisions[code]
        except KeyError:
            raise PopulationError(f"unknown division code {code}") from None

    def division_or_none(self, code: str | None) -> int | None:
        return self.division(code) if code else None

    def _count(self, table: str, feed_code: str, created: int) -> None:
        self.created[table] = self.created.get(table, 0) + created
        self.created_by_feed[feed_code] = self.created_by_feed.get(feed_code, 0) + created

    # --- persons and households -------------------------------------------------------------

    def load_persons(self) -> None:
        sources = self.field_sources()
        self.created["persons"] = 0
        for table in self.batches_of("persons"):
            numbers = [idnumbers.parse(v).value for v in table.column("id_number").to_pylist()]
            hashes = [pii.lookup_hash(v) for v in numbers]
            known = _existing(Person, "id_number_hash", hashes)
            fresh = [i for i, h in enumerate(hashes) if h not in known]
            if fresh:
                rows = table.take(pa.array(fresh, type=pa.int64()))
                grade = rows.column("disability_grade")
                inserted = _insert(
                    Person,
                    len(fresh),
                    {
                        "id_number_encrypted": [pii.encrypt(numbers[i]) for i in fresh],
                        "id_number_hash": [hashes[i] for i in fresh],
                        "id_number_masked": [idnumbers.mask(numbers[i]) for i in fresh],
                        "name": self.values(rows.column("name")),
                        "sex": self.values(rows.column("sex")),
                        "birth_date": self.values(rows.column("birth_date")),
                        "life_status": self.values(rows.column("life_status")),
                        "death_date": self.values(rows.column("death_date")),
                        "hukou_division_id": [
                            self.division_or_none(c)
                            for c in rows.column("hukou_division").to_pylist()
                        ],
                        "residence_division_id": [
                            self.division_or_none(c)
                            for c in rows.column("residence_division").to_pylist()
                        ],
                        "disability_grade": self.values(grade),
                        "disability_kind": self.values(rows.column("disability_kind")),
                        "self_care_items_lost": self.values(
                            pc.fill_null(rows.column("self_care_items_lost"), 0)
                        ),
                        "work_capacity": self.values(rows.column("work_capacity")),
                        "school_status": self.values(rows.column("school_status")),
                        "employment_status": self.values(rows.column("employment_status")),
                        "industry": self.values(rows.column("industry")),
                        "major_illness": self.values(
                            pc.fill_null(rows.column("major_illness"), False)
                        ),
                        "lacks_civil_capacity": self.values(
                            pc.fill_null(rows.column("lacks_civil_capacity"), False)
                        ),
                        "field_sources": sources,
                        "created_at": self.now,
                    },
                )
                self._count("persons", "police_hukou", inserted)
            pks = _pks(Person, "id_number_hash", hashes)
            ids = np.array(table.column("person_id").to_pylist(), dtype=np.int64)
            self.person_pk[ids] = [pks[h] for h in hashes]
            self.person_hash[ids] = [h.encode() for h in hashes]
        self.person_hash_column = pa.array(self.person_hash.astype(str), type=pa.string())

    def numbers(self, household_ids: pa.Array | pa.ChunkedArray) -> pa.Array:
        digits = pc.utf8_lpad(pc.cast(household_ids, pa.string()), 9, "0")
        return pc.binary_join_element_wise(f"S{self.key[:8]}-", digits, "")

    def load_households(self) -> None:
        self.created["households"] = 0
        for table in self.batches_of("households"):
            numbers = self.numbers(table.column("household_id")).to_pylist()
            known = _existing(Household, "number", numbers)
            fresh = [i for i, n in enumerate(numbers) if n not in known]
            if fresh:
                rows = table.take(pa.array(fresh, type=pa.int64()))
                heads = self.person_pk[np.array(rows.column("head_person_id").to_pylist())]
                inserted = _insert(
                    Household,
                    len(fresh),
                    {
                        "number": [numbers[i] for i in fresh],
                        "division_id": [
                            self.division(c) for c in rows.column("division_code").to_pylist()
                        ],
                        "area_type": "",  # follows the village
                        "address": self.values(rows.column("address")),
                        "head_id": [int(h) or None for h in heads],
                        "created_at": self.now,
                        "closed_at": None,
                        "superseded_by_id": None,
                        "source_batch_id": self.batch_of(rows.column("source")),
                    },
                )
                self._count("households", "police_hukou", inserted)
            pks = _pks(Household, "number", numbers)
            ids = np.array(table.column("household_id").to_pylist(), dtype=np.int64)
            self.household_pk[ids] = [pks[n] for n in numbers]

    # --- facts ------------------------------------------------------------------------------

    def person_keys(self, person_ids: pa.ChunkedArray) -> pa.Array:
        """Each row's person as its ID number hash (null where the row has no person)."""
        hashes = pc.take(self.person_hash_column, pc.fill_null(person_ids, 0))
        return pc.if_else(pc.is_null(person_ids), pa.scalar(None, pa.string()), hashes)

    def person_pks(self, person_ids: pa.ChunkedArray) -> list[int | None]:
        ids = person_ids.to_pylist()
        return [None if i is None else int(self.person_pk[i]) for i in ids]

    def household_pks(self, household_ids: pa.ChunkedArray) -> list[int | None]:
        ids = household_ids.to_pylist()
        return [None if i is None else int(self.household_pk[i]) for i in ids]

    def load_facts(self, table_name: str, model: type[models.Model], kind: str) -> None:
        """Facts of one table: fingerprint every row, insert those the registry lacks."""
        self.created[table_name] = 0
        columns = _FACT_COLUMNS[table_name]
        for table in self.batches_of(table_name):
            keys: dict[str, Any] = {name: table.column(name) for name in columns}
            keys["person"] = self.person_keys(table.column("person_id"))
            if kind in ("membership", "enrolment"):
                keys["household"] = self.numbers(table.column("household_id"))
            sources = table.column("source").combine_chunks()
            prints = fingerprints(kind, sources, keys)
            if model is Membership:
                # Not unique, not indexed: looked for among the members' memberships.
                members = (pk for pk in self.person_pks(table.column("person_id")) if pk)
                known = {f for (f,) in select_in(Membership, ["fingerprint"], "person_id", members)}
            else:
                known = _existing(model, "fingerprint", prints)
            fresh = []
            for i, p in enumerate(prints):
                if p not in known:  # nor earlier in the batch
                    known.add(p)
                    fresh.append(i)
            if not fresh:
                continue
            rows = table.take(pa.array(fresh, type=pa.int64()))
            values: dict[str, Any] = {name: self.values(rows.column(name)) for name in columns}
            values.update(
                {
                    "person_id": self.person_pks(rows.column("person_id")),
                    "household_id": self.household_pks(rows.column("household_id")),
                    "source_batch_id": self.batch_of(rows.column("source")),
                    "entered_by_id": None,
                    "recorded_at": self.now,
                    "closed_at": None,
                    "fingerprint": [prints[i] for i in fresh],
                }
            )
            values.update(_FACT_DEFAULTS.get(table_name, {}))
            inserted = _insert(model, len(fresh), values)
            # A row the database refused (a person already current in another household of
            # another population) is not counted; by feed the count is of the rows offered.
            self.created[table_name] += inserted
            for source in rows.column("source").to_pylist():
                self.created_by_feed[source] = self.created_by_feed.get(source, 0) + 1

    def load_all_facts(self) -> None:
        self.load_facts("memberships", Membership, "membership")
        self.load_facts("incomes", Income, "income")
        self.load_facts("assets", Asset, "asset")
        self.load_facts("expenditures", Expenditure, "expenditure")
        self.load_facts("events", LifeEvent, "life_event")
        self.load_facts("enrolments", Enrolment, "enrolment")

    def close_batches(self) -> None:
        now = timezone.now()
        for code, created in self.created_by_feed.items():
            if created:
                ImportBatch.objects.filter(pk=self.batches[code].pk).update(
                    rows_total=models.F("rows_total") + created,
                    rows_done=models.F("rows_done") + created,
                    rows_created=models.F("rows_created") + created,
                    finished_at=now,
                )


# The columns of each fact table copied as they are (besides ids, source and fingerprint).
_FACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "memberships": ("relation", "apart_reason", "valid_from", "valid_to"),
    "incomes": ("kind", "amount", "period_start", "period_end"),
    "assets": (
        "kind",
        "value",
        "floor_area",
        "housing_grade",
        "business_role",
        "business_operating",
        "as_of",
    ),
    "expenditures": ("kind", "amount", "date"),
    "events": ("kind", "date", "amount", "detail"),
    "enrolments": ("programme", "start_date", "end_date", "monthly_amount"),
}
# Registry columns the engine schema does not carry.
_FACT_DEFAULTS: dict[str, dict[str, Any]] = {
    "assets": {"reference": ""},
    "expenditures": {"reference": ""},
}


def _insert(model: type[models.Model], n: int, columns: dict[str, Any]) -> int:
    """Insert ``n`` rows given column by column (a list per column, or one value for all);
    returns how many went in.

    Every concrete column of the model must be given (values as the driver takes them); rows
    that would break a unique constraint are skipped, as ``bulk_create(ignore_conflicts=True)``
    does. Django's ``bulk_create`` spends most of its time compiling each value into SQL; this
    prepares the values a column at a time and lets the driver's ``executemany`` do the rest.
    """
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False)
    ]
    missing = [f.attname for f in fields if f.attname not in columns]
    if missing:
        raise ValueError(f"{model.__name__}: no values for {', '.join(missing)}")
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(f.column or f.attname) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    suffix = ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None) or ""
    sql = f"{ops.insert_statement(on_conflict=OnConflict.IGNORE)} {table} ({names}) VALUES ({marks}) {suffix}"
    series: list[Any] = []
    for f in fields:
        value = columns[f.attname]
        if isinstance(f, DigestField):  # given as text, stored as bytes
            is_list = isinstance(value, list)
            value = list(map(DigestField.to_db, value)) if is_list else DigestField.to_db(value)
        series.append(value if isinstance(value, list) else repeat(value, n))
    rows = list(zip(*series, strict=False))
    inserted = 0
    with connection.cursor() as cursor:
        for start in range(0, n, _INSERT_CHUNK):
            chunk = rows[start : start + _INSERT_CHUNK]
            cursor.executemany(sql, chunk)
            inserted += cursor.rowcount if cursor.rowcount >= 0 else len(chunk)
    return inserted


def _existing(model: type[models.Model], column: str, values: list[str]) -> set[str]:
    """Which of ``values`` the unique ``column`` of ``model`` holds already."""
    return set(_pks(model, column, values))


def _pks(model: type[models.Model], column: str, values: list[str]) -> dict[str, int]:
    """The primary keys of the rows whose unique ``column`` holds one of ``values``."""
    table = connection.ops.quote_name(model._meta.db_table)
    name = connection.ops.quote_name(column)
    digest = isinstance(model._meta.get_field(column), DigestField)  # given and read as text
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(values), _LOOKUP_CHUNK):
            chunk: list[Any] = values[start : start + _LOOKUP_CHUNK]
            if digest:
                chunk = [DigestField.to_db(v) for v in chunk]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {name}, id FROM {table} WHERE {name} IN ({marks})", chunk)
            found.update(
                (bytes(row[0]).hex() if digest else row[0], int(row[1]))
                for row in cursor.fetchall()
            )
    return found


def load_population(
    *,
    directory: Path,
    progress: bool = False,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    actor: Any = None,
) -> LoadResult:
    """Load the population in ``directory`` (Parquet tables + ``manifest.json``) into the registry.

    Idempotent (a re-run creates nothing and records no event); all or nothing (one
    transaction). ``actor`` is the user behind the load, ``None`` for the system (the demo).
    Raises ``PopulationError`` for a directory that is not a population, and
    ``idnumbers.InvalidIdNumber`` for an ID number that fails its check.
    """
    started = time.perf_counter()
    manifest = read_manifest(directory)
    loader = _Loader(directory, manifest, progress, batch_rows)
    with transaction.atomic():
        loader.prepare_sources()
        loader.load_persons()
        loader.load_households()
        loader.load_all_facts()
        loader.close_batches()
        if any(loader.created.values()):
            record_event(
                actor=actor,
                action=LOAD_ACTION,
                after={
                    "key": loader.key,
                    "seed": manifest["seed"],
                    "as_of": manifest["as_of"],
                    "counties": manifest.get("counties", []),
                    "created": loader.created,
                },
                reason="载入合成人口",
            )
    return LoadResult(key=loader.key, created=loader.created, seconds=time.perf_counter() - started)
