"""Where households live: the real villages and communities of the chosen counties.

The reference division codes ship with the divisions app (``divisions/data/*.csv``); the generator
reads the files directly so that it runs without Django (the engine's tests use it too). A
village's area type comes from its code (digits 10–12: 001–199 residents' committee, urban;
200–399 villagers' committee, rural — the rule ``divisions`` applies on load).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minzheng.demo.population import calibration

# The divisions app's reference files, read by path: importing that app would need Django.
DATA_DIR = Path(__file__).resolve().parents[2] / "divisions" / "data"


def _read(file_name: str) -> list[dict[str, str]]:
    with (DATA_DIR / file_name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def is_urban_code(code: str) -> bool:
    """Urban when the village number (digits 10–12) is 001–199."""
    return 1 <= int(code[9:12]) <= 199


def _short_village_name(name: str) -> str:
    """ "东方广场社区居民委员会" → "东方广场社区", "九树村村民委员会" → "九树村"."""
    for suffix, kind in (
        ("村民委员会", "村"),
        ("居民委员会", "社区"),
        ("村委会", "村"),
        ("居委会", "社区"),
    ):
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            return base if base.endswith(("村", "社区", "居")) else base + kind
    return name


@dataclass(frozen=True)
class Places:
    """All villages of the city, with their county, area type and the start of an address."""

    county_codes: tuple[str, ...]  # every county-level code, sorted
    county_names: tuple[str, ...]
    village_codes: pa.Array  # 12-digit codes, string
    village_county: np.ndarray  # index into county_codes
    village_urban: np.ndarray  # bool
    address_prefix: pa.Array  # 重庆市万州区高笋塘街道东方广场社区

    def county_index(self, code: str) -> int:
        return self.county_codes.index(code)


@cache
def load_places() -> Places:
    """The villages of Chongqing from the reference files, in code order (read once)."""
    counties = sorted(_read("chongqing-counties.csv"), key=lambda r: r["code"])
    county_codes = tuple(r["code"] for r in counties)
    county_names = tuple(r["name"] for r in counties)
    townships = {r["code"]: r["name"] for r in _read("chongqing-townships.csv")}
    villages = sorted(_read("chongqing-villages.csv"), key=lambda r: r["code"])
    index = {code: i for i, code in enumerate(county_codes)}
    codes = [r["code"] for r in villages]
    prefixes = [
        "重庆市"
        + county_names[index[r["areaCode"]]]
        + townships.get(r["streetCode"], "")
        + _short_village_name(r["name"])
        for r in villages
    ]
    return Places(
        county_codes=county_codes,
        county_names=county_names,
        village_codes=pa.array(codes, type=pa.string()),
        village_county=np.array([index[r["areaCode"]] for r in villages], dtype=np.int16),
        village_urban=np.array([is_urban_code(c) for c in codes], dtype=bool),
        address_prefix=pa.array(prefixes, type=pa.string()),
    )


class VillageSampler:
    """Draws villages for households: county by population, urban or rural by the county's
    urban share, then a village of that kind with a fixed random size (log-normal weights)."""

    def __init__(self, places: Places, counties: tuple[str, ...], seed: int) -> None:
        unknown = [c for c in counties if c not in calibration.COUNTY_POPULATION]
        if unknown:
            raise ValueError(f"unknown county codes: {', '.join(unknown)}")
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))
        weights = np.zeros(len(places.village_codes))
        size = rng.lognormal(0.0, 0.5, len(weights))
        for code in counties:
            in_county = places.village_county == places.county_index(code)
            urban = in_county & places.village_urban
            rural = in_county & ~places.village_urban
            share = calibration.COUNTY_URBAN_SHARE[code]
            if not urban.any():
                share = 0.0
            elif not rural.any():
                share = 1.0
            population = calibration.COUNTY_POPULATION[code]
            for mask, part in ((urban, share), (rural, 1.0 - share)):
                if mask.any() and part > 0:
                    weights[mask] = population * part * size[mask] / size[mask].sum()
        self.places = places
        self.villages = np.flatnonzero(weights)
        cumulative = np.cumsum(weights[self.villages])
        self._cumulative = cumulative / cumulative[-1]

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` village indices (into ``Places``) drawn by weight."""
        picks = np.searchsorted(self._cumulative, rng.random(n), side="right")
        return self.villages[np.minimum(picks, len(self.villages) - 1)]

    def draw_any(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` village indices anywhere in the city (for registrations elsewhere)."""
        return rng.integers(0, len(self.places.village_codes), n)


def addresses(
    places: Places, village: np.ndarray, urban: np.ndarray, rng: np.random.Generator
) -> pa.Array:
    """A street address in each household's village: a flat in town, a group and number in the
    countryside (``…社区12栋2单元503号`` / ``…村3组27号``)."""
    n = len(village)
    building = pc.cast(pa.array(rng.integers(1, 40, n)), pa.string())
    unit = pc.cast(pa.array(rng.integers(1, 5, n)), pa.string())
    room = pc.cast(pa.array(rng.integers(1, 33, n) * 100 + rng.integers(1, 7, n)), pa.string())
    group = pc.cast(pa.array(rng.integers(1, 13, n)), pa.string())
    number = pc.cast(pa.array(rng.integers(1, 120, n)), pa.string())
    flat = pc.binary_join_element_wise(building, "栋", unit, "单元", room, "号", "")
    house = pc.binary_join_element_wise(group, "组", number, "号", "")
    detail = pc.if_else(pa.array(urban), flat, house)
    return pc.binary_join_element_wise(places.address_prefix.take(pa.array(village)), detail, "")
