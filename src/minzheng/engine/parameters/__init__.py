"""Policy parameters: dated values with their source, and the snapshot of them in force on a date.

A parameter (``dibao.standard.urban``) has a unit and a list of dated values. Each value names its
source document and article, its source tag (G government text, M media, K widely repeated, P a
platform setting) and whether it is ``verified``. A value of ``None`` means "not known": rules that
need it answer ``unknown``, never a guess. A value may apply to one division (and everything under
it) instead of the whole city; the most specific division wins.

The YAML files beside this module are the reviewed seed (``load_seed()``); at run time the database
(the policy app) is the truth and builds the same ``ParameterDefinition`` objects. ``snapshot()`` is
pure: definitions in, the values in force on one date out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

SEED_DIR = Path(__file__).resolve().parent
TAGS = ("G", "M", "K", "P")

# A parameter value: money and ratios are Decimal, counts and ages int, kind lists tuples of str.
Value = Decimal | int | tuple[str, ...] | None

_INT_UNITS = (
    "months",
    "days",
    "years",
    "years of age",
    "grade",
    "items",
    "homes",
    "working days",
)


class ParameterError(ValueError):
    """A parameter file or record is malformed; the message names the parameter and the field."""


def coerce_value(unit: str, raw: Any) -> Value:
    """Turn a raw value (YAML, JSON) into the engine's type for ``unit``; ``None`` stays unknown."""
    if raw is None:
        return None
    if unit == "kinds":
        if not isinstance(raw, list | tuple) or not all(isinstance(k, str) for k in raw):
            raise ParameterError(f"a 'kinds' value must be a list of strings, got {raw!r}")
        return tuple(raw)
    if unit in _INT_UNITS:
        if isinstance(raw, bool) or int(raw) != Decimal(str(raw)):
            raise ParameterError(f"a '{unit}' value must be a whole number, got {raw!r}")
        return int(raw)
    if isinstance(raw, bool):
        raise ParameterError(f"a '{unit}' value must be a number, got {raw!r}")
    return Decimal(str(raw))


@dataclass(frozen=True)
class ParameterValue:
    """One dated value of a parameter, with where it comes from."""

    effective_from: dt.date
    value: Value
    source: str = ""
    article: str = ""
    tag: str = "K"
    verified: bool = False
    note: str = ""
    effective_to: dt.date | None = None
    division_code: str = ""  # "" for the whole city

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


@dataclass(frozen=True)
class ParameterDefinition:
    """A parameter: its name, meaning, unit and every dated value it has had."""

    name: str
    description: str
    unit: str
    values: tuple[ParameterValue, ...] = ()


@dataclass(frozen=True)
class ResolvedParameter:
    """A parameter as in force on the snapshot's date for one division (or the whole city).

    ``record`` is the dated value that applies, or ``None`` when no value was ever set for that
    date. ``value`` is ``None`` (unknown) in both cases.
    """

    name: str
    description: str
    unit: str
    record: ParameterValue | None
    division_code: str = ""

    @property
    def value(self) -> Value:
        return None if self.record is None else self.record.value

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def verified(self) -> bool:
        return self.record is not None and self.record.verified and self.known

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description: name, value, unit, date, document, article, tag, verified."""
        rec = self.record
        value = self.value
        return {
            "name": self.name,
            "description": self.description,
            "unit": self.unit,
            "value": list(value)
            if isinstance(value, tuple)
            else (str(value) if isinstance(value, Decimal) else value),
            "known": self.known,
            "division_code": self.division_code,
            "effective_from": rec.effective_from.isoformat() if rec else None,
            "effective_to": rec.effective_to.isoformat() if rec and rec.effective_to else None,
            "source": rec.source if rec else "",
            "article": rec.article if rec else "",
            "tag": rec.tag if rec else "",
            "verified": self.verified,
            "note": rec.note if rec else "",
        }


@dataclass(frozen=True)
class ParameterSnapshot:
    """Every parameter's value in force on ``as_of``: city-wide, plus per-division overrides."""

    as_of: dt.date
    city: Mapping[str, ResolvedParameter]
    by_division: Mapping[str, Mapping[str, ResolvedParameter]] = field(default_factory=dict)

    def get(self, name: str) -> ResolvedParameter:
        """The city-wide value of ``name``; an unknown name resolves to "no value", not an error.

        Unknown names are tolerated so that a rule reading a per-kind parameter
        (``income.imputed_wage.<industry>``) answers ``unknown`` for a kind nobody has set.
        """
        found = self.city.get(name)
        if found is None:
            return ResolvedParameter(name=name, description="", unit="", record=None)
        return found

    def value(self, name: str) -> Value:
        return self.get(name).value

    def known(self, name: str) -> bool:
        return self.get(name).known

    def overrides(self, name: str) -> Mapping[str, ResolvedParameter]:
        """Per-division values of ``name`` in force on the date, keyed by division code."""
        return self.by_division.get(name, {})

    def names(self, prefix: str = "") -> list[str]:
        return sorted(n for n in self.city if n.startswith(prefix))


def _resolve(defn: ParameterDefinition, day: dt.date, division_code: str) -> ResolvedParameter:
    candidates = [
        v for v in defn.values if v.division_code == division_code and v.effective_from <= day
    ]
    record = max(candidates, key=lambda v: v.effective_from, default=None)
    if record is not None and record.effective_to is not None and day > record.effective_to:
        record = None  # the latest value has ended and nothing replaced it: unknown
    return ResolvedParameter(
        name=defn.name,
        description=defn.description,
        unit=defn.unit,
        record=record,
        division_code=division_code,
    )


def snapshot(as_of: dt.date, values: Iterable[ParameterDefinition]) -> ParameterSnapshot:
    """The parameters in force on ``as_of``: pure, from the given definitions (seed or database)."""
    city: dict[str, ResolvedParameter] = {}
    by_division: dict[str, dict[str, ResolvedParameter]] = {}
    for defn in values:
        city[defn.name] = _resolve(defn, as_of, "")
        for code in sorted({v.division_code for v in defn.values if v.division_code}):
            resolved = _resolve(defn, as_of, code)
            if resolved.record is not None:
                by_division.setdefault(defn.name, {})[code] = resolved
    return ParameterSnapshot(as_of=as_of, city=city, by_division=by_division)


def _as_date(raw: Any, where: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as exc:
        raise ParameterError(f"{where}: not a date: {raw!r}") from exc


def parse_definitions(data: Mapping[str, Any], origin: str = "") -> list[ParameterDefinition]:
    """Definitions from the YAML structure ``{name: {description, unit, values: [...]}}``."""
    out = []
    for name, body in data.items():
        where = f"{origin}: {name}" if origin else name
        if not isinstance(body, Mapping) or "unit" not in body:
            raise ParameterError(f"{where}: needs 'unit' and 'values'")
        unit = str(body["unit"])
        records = []
        for i, raw in enumerate(body.get("values") or []):
            at = f"{where} values[{i}]"
            if "effective_from" not in raw or "value" not in raw:
                raise ParameterError(f"{at}: needs 'effective_from' and 'value'")
            tag = str(raw.get("tag", "K"))
            if tag not in TAGS:
                raise ParameterError(f"{at}: tag must be one of {TAGS}, got {tag!r}")
            try:
                value = coerce_value(unit, raw["value"])
            except ParameterError as exc:
                raise ParameterError(f"{at}: {exc}") from exc
            records.append(
                ParameterValue(
                    effective_from=_as_date(raw["effective_from"], at),
                    effective_to=(
                        _as_date(raw["effective_to"], at) if raw.get("effective_to") else None
                    ),
                    value=value,
                    source=str(raw.get("source", "")).strip(),
                    article=str(raw.get("article", "") or ""),
                    tag=tag,
                    verified=bool(raw.get("verified", False)),
                    note=str(raw.get("note", "") or ""),
                    division_code=str(raw.get("division", "") or ""),
                )
            )
        out.append(
            ParameterDefinition(
                name=str(name),
                description=str(body.get("description", "")),
                unit=unit,
                values=tuple(records),
            )
        )
    return out


def load_seed(directory: Path | None = None) -> list[ParameterDefinition]:
    """Every parameter of the reviewed YAML seed files (``parameters/*.yaml``), sorted by name."""
    directory = directory or SEED_DIR
    found: dict[str, ParameterDefinition] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for defn in parse_definitions(data, origin=path.name):
            if defn.name in found:
                raise ParameterError(f"{path.name}: {defn.name} is defined twice")
            found[defn.name] = defn
    return [found[n] for n in sorted(found)]


def seed_snapshot(as_of: dt.date) -> ParameterSnapshot:
    """The snapshot from the YAML seed alone (tests, the bench, runs without a database)."""
    return snapshot(as_of, load_seed())
