"""The county map: counts by the county-level units of a date, and how map shapes join them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from minzheng.divisions import counters
from minzheng.divisions.models import Division
from minzheng.divisions.selectors.history import county_map, county_names

GEOJSON_PATH = (
    Path(__file__).resolve().parent.parent / "static" / "divisions" / "chongqing-counties.geojson"
)
# The map's source predates two renames that also changed the codes: 梁平县 500228 is now
# 梁平区 500155 and 武隆县 500232 is now 武隆区 500156. Everything else joins on the code.
GEO_CODE_FIXES = {"500228": "500155", "500232": "500156"}


@cache
def geo_feature_codes() -> tuple[str, ...]:
    """The county codes of the map's features (after the two code fixes), in file order."""
    data = json.loads(GEOJSON_PATH.read_text(encoding="utf-8"))
    return tuple(GEO_CODE_FIXES.get(str(f["id"]), str(f["id"])) for f in data["features"])


@dataclass
class MapCounty:
    """One county-level unit on the map of a date: its counts, and whether the user sees it."""

    code: str
    name: str
    counts: dict[str, int]
    in_scope: bool


@dataclass
class MapData:
    """Counts by the counties of ``as_of`` (today when None), and how map shapes join them."""

    as_of: date | None
    counties: list[MapCounty]
    features: dict[str, str]  # map feature code -> the county code it belongs to on as_of
    unattributed: dict[str, int]  # records on units that did not exist on as_of (or the city)


def map_data(*, as_of: date | None, prefixes: Sequence[str]) -> MapData:
    """Each registered counter's totals per county-level unit valid on ``as_of``.

    Only records under ``prefixes`` (the caller's scope roots) are counted. A record counts for
    the county its division belonged to on ``as_of``: a town moved from 渝北区 to 北碚区 in 2026
    counts for 渝北区 on a 2025 map and for 北碚区 today. Map features whose county was later
    merged (江北区, 渝北区 into 两江新区) point at the unit they belong to on ``as_of``.
    """
    names = county_names(as_of)
    cmap = county_map(as_of)
    keys = [spec.key for spec in counters.registered()]
    totals = {code: dict.fromkeys(keys, 0) for code in names}
    unattributed = dict.fromkeys(keys, 0)
    for key, by_path in counters.exact_counts(prefixes).items():
        for path, n in by_path.items():
            code = path.rstrip("/").rsplit("/", 1)[-1]
            county = cmap.get(code) or (code if code in names else None)
            if county is None:
                unattributed[key] += n
            else:
                totals[county][key] += n
    in_scope = _counties_in_scope(names, cmap, prefixes)
    return MapData(
        as_of=as_of,
        counties=[
            MapCounty(code=code, name=name, counts=totals[code], in_scope=code in in_scope)
            for code, name in sorted(names.items())
        ],
        features=_feature_counties(names),
        unattributed=unattributed,
    )


def _counties_in_scope(
    names: dict[str, str], cmap: dict[str, str], prefixes: Sequence[str]
) -> set[str]:
    """Counties (of the date) that hold at least one township (or themselves) in scope."""
    if not prefixes:
        return set()
    found: set[str] = set()
    rows = Division.objects.filter(
        level__in=[Division.Level.COUNTY, Division.Level.TOWNSHIP]
    ).values_list("code", "level", "path")
    for code, level, path in rows:
        if level == Division.Level.COUNTY:
            if code in names and any(path.startswith(p) for p in prefixes):
                found.add(code)
        elif code in cmap and any(path.startswith(p) or p.startswith(path) for p in prefixes):
            # A scope inside a township (a village) still puts its county on the map.
            found.add(cmap[code])
    return found


def _feature_counties(names: dict[str, str]) -> dict[str, str]:
    """Map feature code -> the county valid on the date it belongs to, following successors."""
    successors = dict(
        Division.objects.filter(level=Division.Level.COUNTY, successor__isnull=False).values_list(
            "code", "successor__code"
        )
    )
    result: dict[str, str] = {}
    for code in geo_feature_codes():
        current, seen = code, set()
        while current not in names and current in successors and current not in seen:
            seen.add(current)
            current = successors[current]
        if current in names:
            result[code] = current
    return result
