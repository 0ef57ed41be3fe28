"""Loading the reference division tree from the CSVs shipped in ``divisions/data``."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from tqdm import tqdm

from minzheng.audit import services as audit_services
from minzheng.divisions.models import Division, DivisionVersion

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CITY_CODE = "500000"
CITY_NAME = "重庆市"
BATCH_SIZE = 2000


@dataclass(frozen=True)
class LoadResult:
    """What one run of ``load_divisions`` did."""

    created: int
    updated: int
    total: int
    versions_created: int = 0


def village_area_type(code: str) -> str:
    """Urban or rural from a 12-digit village code (digits 10–12: 001–199 urban, 200–399 rural).

    Residents' committees (居委会, 001–199) are urban, villagers' committees (村委会, 200–399)
    rural; any other range has no area type until an administrator sets one.
    """
    number = int(code[9:12])
    if 1 <= number <= 199:
        return Division.AreaType.URBAN
    if 200 <= number <= 399:
        return Division.AreaType.RURAL
    return ""


@dataclass(frozen=True)
class _Row:
    code: str
    name: str
    parent_code: str
    level: str


def _read_rows() -> Iterator[_Row]:
    """The reference rows, parents before children: city, counties, townships, villages."""
    yield _Row(CITY_CODE, CITY_NAME, "", Division.Level.CITY)
    files = [
        ("chongqing-counties.csv", None, Division.Level.COUNTY),
        ("chongqing-townships.csv", "areaCode", Division.Level.TOWNSHIP),
        ("chongqing-villages.csv", "streetCode", Division.Level.VILLAGE),
    ]
    for file_name, parent_column, level in files:
        with (DATA_DIR / file_name).open(encoding="utf-8", newline="") as handle:
            for record in csv.DictReader(handle):
                parent_code = record[parent_column] if parent_column else CITY_CODE
                yield _Row(record["code"].strip(), record["name"].strip(), parent_code, level)


def _progress(rows: Iterable[_Row], enabled: bool, total: int) -> Iterable[_Row]:
    if not enabled:
        return rows
    return tqdm(rows, total=total, desc="行政区划", unit="条")


def load_divisions(*, progress: bool = False) -> LoadResult:
    """Load the city, its counties, townships and villages from the reference CSVs.

    Idempotent: a division whose code exists is left where it is — its parent, path and name
    belong to division changes once loaded, so re-loading never undoes an applied change. The
    only thing refreshed on existing rows is a village's area type derived from its code, and
    never on a village whose area type an administrator has overridden. A missing row whose
    parent has since been retired is placed under the parent's successor. Every division gets
    its first ``DivisionVersion`` (valid since before the records). Writes one audit event
    ``division.load`` when anything was created or updated.
    """
    rows = list(_read_rows())
    with transaction.atomic():
        existing: dict[str, Division] = {
            d.code: d
            for d in Division.objects.only(
                "id",
                "code",
                "path",
                "level",
                "area_type",
                "area_type_overridden",
                "valid_to",
                "successor_id",
            )
        }
        by_id = {d.pk: d for d in existing.values()}
        created = 0
        to_update: list[Division] = []
        pending: list[Division] = []
        pending_level = ""

        def flush() -> None:
            nonlocal created
            if not pending:
                return
            Division.objects.bulk_create(pending, batch_size=BATCH_SIZE)
            # SQLite (3.35+) and PostgreSQL set primary keys on bulk_create; children need them.
            for division in pending:
                existing[division.code] = division
                by_id[division.pk] = division
            created += len(pending)
            pending.clear()

        for row in _progress(rows, progress, len(rows)):
            if row.level != pending_level:
                flush()  # a level's parents must have ids before its children are built
                pending_level = row.level
            area_type = village_area_type(row.code) if row.level == Division.Level.VILLAGE else ""
            current = existing.get(row.code)
            if current is not None:
                if (
                    row.level == Division.Level.VILLAGE
                    and not current.area_type_overridden
                    and current.area_type != area_type
                ):
                    current.area_type = area_type
                    to_update.append(current)
                continue
            parent = existing.get(row.parent_code) if row.parent_code else None
            if row.parent_code and parent is None:
                raise ValueError(f"{row.code} {row.name}: parent {row.parent_code} not found")
            while parent is not None and parent.valid_to is not None and parent.successor_id:
                parent = by_id.get(parent.successor_id) or Division.objects.get(
                    pk=parent.successor_id
                )
            division = Division(
                code=row.code,
                name=row.name,
                level=row.level,
                parent=parent,
                path=f"{parent.path if parent else ''}{row.code}/",
                area_type=area_type,
            )
            # Field checks only: uniqueness is the database's job here, and a per-row query
            # for each of 12,000 rows would make loading slow.
            division.clean_fields(exclude={"parent", "successor"})
            pending.append(division)
        flush()
        if to_update:
            Division.objects.bulk_update(to_update, ["area_type"], batch_size=BATCH_SIZE)
        versions_created = _create_missing_versions()
        result = LoadResult(
            created=created,
            updated=len(to_update),
            total=len(rows),
            versions_created=versions_created,
        )
        if created or to_update or versions_created:
            audit_services.record_event(
                actor=None,
                action="division.load",
                after={
                    "created": created,
                    "area_type_updated": len(to_update),
                    "versions_created": versions_created,
                    "reference_rows": len(rows),
                },
                division_code=CITY_CODE,
            )
    return result


def _create_missing_versions() -> int:
    """Give every division without history its first version, as it stands now."""
    missing = [
        DivisionVersion(
            division_id=pk,
            parent_id=parent_id,
            name=name,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        for pk, parent_id, name, valid_from, valid_to in Division.objects.filter(
            versions__isnull=True
        ).values_list("id", "parent_id", "name", "valid_from", "valid_to")
    ]
    DivisionVersion.objects.bulk_create(missing, batch_size=BATCH_SIZE)
    return len(missing)
