"""A block of households being generated: the arrays every stage reads and adds to.

The population is generated in blocks of ``BLOCK_HOUSEHOLDS`` households, each with its own random
stream (seed, block number). A chunk written to Parquet is a run of whole blocks, so the content
does not depend on the chunk size — only on the seed and the population's arguments.

Dates are days since 1970-01-01 (Arrow's ``date32``); money is yuan as float until it is written
(rounded to cents there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from minzheng.demo.population import situations as sit
from minzheng.demo.population.households import Members

BLOCK_HOUSEHOLDS = 8192
EPOCH = date(1970, 1, 1)
RECENT_DAYS = 90  # "recent" shocks happen within this many days of the as-of date
BACKGROUND_MIN_AGE_DAYS = 121  # background events are older than this, never "recent"


def _empty() -> np.ndarray:
    return np.zeros(0)


def day_number(value: date) -> int:
    """Days since 1970-01-01."""
    return (value - EPOCH).days


def month_start(day: int, months_back: int = 0) -> int:
    """The first day of the month ``months_back`` months before the month of ``day``."""
    month = np.datetime64(day, "D").astype("datetime64[M]") - np.timedelta64(months_back, "M")
    return int(month.astype("datetime64[D]").astype(np.int64))


def years(days: np.ndarray) -> np.ndarray:
    """Calendar years of day numbers."""
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


@dataclass
class Block:
    """One block: household arrays, their members, and the person attributes drawn so far."""

    index: int
    as_of_day: int
    rng: np.random.Generator
    village: np.ndarray
    urban: np.ndarray
    template: np.ndarray
    household_class: np.ndarray
    situation: np.ndarray
    size: np.ndarray
    members: Members
    formed_day: np.ndarray = field(default_factory=_empty)
    # people
    birth_day: np.ndarray = field(default_factory=_empty)
    disability_grade: np.ndarray = field(default_factory=_empty)  # 0 none
    disability_kind: np.ndarray = field(default_factory=_empty)  # -1 none
    self_care: np.ndarray = field(default_factory=_empty)
    major_illness: np.ndarray = field(default_factory=_empty)
    lacks_capacity: np.ndarray = field(default_factory=_empty)
    school: np.ndarray = field(default_factory=_empty)
    employment: np.ndarray = field(default_factory=_empty)
    industry: np.ndarray = field(default_factory=_empty)  # -1 none
    work_capacity: np.ndarray = field(default_factory=_empty)
    life_status: np.ndarray = field(default_factory=_empty)
    death_day: np.ndarray = field(default_factory=_empty)  # -1 alive
    apart: np.ndarray = field(default_factory=_empty)  # index into schema.APART_REASONS
    # the member a household's situation happened to, and when (days), -1 where none
    subject: np.ndarray = field(default_factory=_empty)
    shock_day: np.ndarray = field(default_factory=_empty)
    subject_was_disabled: np.ndarray = field(default_factory=_empty)  # before a new certificate
    # economics
    standard: np.ndarray = field(default_factory=_empty)  # 低保 line of the household, monthly
    income_members: np.ndarray = field(default_factory=_empty)  # people income is spread over
    income_pc: np.ndarray = field(default_factory=_empty)  # monthly, before a change
    income_annual: np.ndarray = field(default_factory=_empty)

    @property
    def n_households(self) -> int:
        return len(self.template)

    @property
    def n_persons(self) -> int:
        return len(self.members.household)

    @property
    def window_start(self) -> int:
        """First day of the 12-month income window: the as-of date a year earlier.

        The engine averages income over [as-of − 12 months, as-of]; incomes reported for
        exactly the year before the as-of date fall wholly inside it and count in full.
        """
        as_of = EPOCH + timedelta(days=self.as_of_day)
        try:
            year_before = as_of.replace(year=as_of.year - 1)
        except ValueError:  # 29 February
            year_before = as_of.replace(year=as_of.year - 1, day=28)
        return day_number(year_before)

    @property
    def window_end(self) -> int:
        """Last day of the income window: the day before the as-of date."""
        return self.as_of_day - 1

    def in_situation(self, *codes: str) -> np.ndarray:
        """Households (bool per household) in any of the named situations."""
        return np.isin(self.situation, [sit.INDEX[c] for c in codes])

    def person_in_situation(self, *codes: str) -> np.ndarray:
        """People (bool per person) whose household is in any of the named situations."""
        return self.in_situation(*codes)[self.members.household]

    def days_ago(self, low: float, high: float, n: int) -> np.ndarray:
        """``n`` dates drawn uniformly between ``high`` and ``low`` days before the as-of date."""
        return (self.as_of_day - self.rng.uniform(low, high, n)).astype(np.int64)


def band_rate(age: np.ndarray, bands: tuple[tuple[float, float], ...]) -> np.ndarray:
    """The rate of the band each age falls in; bands are (lowest age, rate), ascending."""
    lows = np.array([b[0] for b in bands])
    rates = np.array([b[1] for b in bands])
    position = np.searchsorted(lows, age, side="right") - 1
    return np.where(position >= 0, rates[np.clip(position, 0, None)], 0.0)


def categorical(
    rng: np.random.Generator, shares: tuple[float, ...] | np.ndarray, n: int
) -> np.ndarray:
    """``n`` draws of an index with the given shares."""
    cumulative = np.cumsum(np.asarray(shares, dtype=np.float64))
    cumulative /= cumulative[-1]
    return np.minimum(np.searchsorted(cumulative, rng.random(n), side="right"), len(cumulative) - 1)


@dataclass
class FactRows:
    """Rows of one fact table gathered from several stages, as named column arrays."""

    parts: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(self, **columns: np.ndarray) -> None:
        lengths = {len(v) for v in columns.values()}
        if len(lengths) != 1:
            raise ValueError("columns of one part must have the same length")
        self.parts.append(columns)

    def columns(self, defaults: dict[str, Callable[[int], np.ndarray]]) -> dict[str, np.ndarray]:
        """All parts concatenated; a column a part did not give comes from ``defaults``."""
        names = list(defaults)
        result: dict[str, list[np.ndarray]] = {name: [] for name in names}
        for part in self.parts:
            n = len(next(iter(part.values())))
            for name in names:
                result[name].append(part[name] if name in part else defaults[name](n))
        return {
            name: (np.concatenate(arrays) if arrays else defaults[name](0))
            for name, arrays in result.items()
        }
