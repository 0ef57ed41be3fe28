"""The situations monitoring must find, planted in documented proportions.

Each household gets at most one situation. Rates are the share of households of a class
(households.CLASSES) and area type that get the situation [A: chosen so that 低保 covers roughly
1 % of urban and 2.5–3 % of rural residents — cf. national end-2023 figures of 6.6 million urban
and 33.99 million rural 低保 recipients [K] — and so that every situation appears at least a few
times in a population of 20,000]. Counts are drawn per block by stochastic rounding of rate × the
block's households of that class and area, so proportions hold closely even in small populations.

The generator only *places* households below, near or above the 低保 line (calibration.py); which
household is eligible is decided by the engine from the facts written, never here. The situation
of every household is written to ``planted_situations.parquet`` beside the tables so tests and
monitoring evaluations can compare what was planted with what is found.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minzheng.demo.population.households import CLASSES

NONE = "none"


@dataclass(frozen=True)
class Situation:
    """A planted situation: what it is, and its rate by household class as (urban, rural)."""

    code: str
    description: str
    rates: dict[str, tuple[float, float]]


def _all(urban: float, rural: float) -> dict[str, tuple[float, float]]:
    return {c: (urban, rural) for c in CLASSES}


SITUATIONS: tuple[Situation, ...] = (
    Situation(
        "dibao_enrolled",
        "低保 household, income well below the line, enrolled (the baseline)",
        {
            "elder_alone": (0.030, 0.080),
            "elder_family": (0.016, 0.045),
            "single_adult": (0.010, 0.025),
            "single_parent": (0.030, 0.050),
            "couple_family": (0.005, 0.014),
        },
    ),
    Situation(
        "eligible_not_enrolled",
        "income below the line, assets within the rules, not enrolled (discovery)",
        {
            "elder_alone": (0.008, 0.016),
            "elder_family": (0.004, 0.009),
            "single_adult": (0.003, 0.006),
            "single_parent": (0.008, 0.012),
            "couple_family": (0.002, 0.004),
        },
    ),
    Situation(
        "near_dibao",
        "income between 1.05 and 1.45 × the line (低保边缘); some recognised as such",
        {
            "elder_alone": (0.025, 0.050),
            "elder_family": (0.020, 0.040),
            "single_adult": (0.012, 0.025),
            "single_parent": (0.030, 0.045),
            "couple_family": (0.010, 0.020),
        },
    ),
    Situation(
        "exit_income_rose",
        "enrolled; the head took a job 3–9 months ago and income is now above the line (exit)",
        {
            "single_adult": (0.002, 0.003),
            "single_parent": (0.004, 0.006),
            "couple_family": (0.0012, 0.0018),
        },
    ),
    Situation(
        "exit_vehicle",
        "enrolled; a car worth 40,000–150,000 registered in the last 180 days (exit)",
        {
            "elder_family": (0.0015, 0.002),
            "single_adult": (0.0015, 0.002),
            "single_parent": (0.003, 0.004),
            "couple_family": (0.0008, 0.0012),
        },
    ),
    Situation(
        "exit_business",
        "enrolled; the head became legal representative of an operating business (exit)",
        {
            "single_adult": (0.0015, 0.002),
            "single_parent": (0.003, 0.004),
            "couple_family": (0.0008, 0.0012),
        },
    ),
    Situation(
        "exit_death_sole_member",
        "enrolled one-person household whose only member died in the last 90 days (exit)",
        {"elder_alone": (0.004, 0.006)},
    ),
    Situation(
        "enrolled_member_died",
        "enrolled; the second member (spouse or adult child) died in the last 90 days (re-check)",
        {"elder_family": (0.002, 0.003), "couple_family": (0.0006, 0.0008)},
    ),
    Situation(
        "shock_hospitalisation",
        "hospitalised in the last 90 days with 20,000–120,000 out of pocket; income modest",
        _all(0.005, 0.005),
    ),
    Situation(
        "shock_unemployment",
        "the head (main earner) lost a job in the last 90 days",
        {
            "single_adult": (0.005, 0.003),
            "single_parent": (0.006, 0.004),
            "couple_family": (0.005, 0.003),
        },
    ),
    Situation(
        "shock_disability",
        "a member certified with a grade 1–2 disability in the last 90 days",
        _all(0.002, 0.002),
    ),
    Situation(
        "tekun_enrolled",
        "old person living alone, no income, no work capacity, enrolled in 特困",
        {"elder_alone": (0.010, 0.030)},
    ),
    Situation(
        "tekun_not_enrolled",
        "old person living alone, no income, no work capacity, not enrolled (discovery)",
        {"elder_alone": (0.004, 0.008)},
    ),
    Situation(
        "member_in_prison",
        "the spouse is serving a prison sentence: recorded, not counted (programmes.md §0)",
        {"couple_family": (0.0015, 0.0015)},
    ),
    Situation(
        "member_missing",
        "the spouse or adult child is declared missing: recorded, not counted",
        {"elder_family": (0.001, 0.0015), "couple_family": (0.0006, 0.0008)},
    ),
    Situation(
        "low_income_high_assets",
        "income below the line but deposits of 30–80 × the line per person (not eligible)",
        _all(0.002, 0.003),
    ),
)

CODES: tuple[str, ...] = (NONE, *(s.code for s in SITUATIONS))
INDEX = {code: i for i, code in enumerate(CODES)}

# Situations whose household is enrolled in 低保 (the exits were enrolled before the change).
DIBAO_ENROLLED = frozenset(
    {
        "dibao_enrolled",
        "exit_income_rose",
        "exit_vehicle",
        "exit_business",
        "exit_death_sole_member",
        "enrolled_member_died",
    }
)
# Situations placed below the line (counted income per person well under the standard).
BELOW_LINE = DIBAO_ENROLLED | {"eligible_not_enrolled", "low_income_high_assets"}
SHOCKS = frozenset({"shock_hospitalisation", "shock_unemployment", "shock_disability"})
TEKUN = frozenset({"tekun_enrolled", "tekun_not_enrolled"})
APART = frozenset({"member_in_prison", "member_missing"})

# rate[class, area (0 urban, 1 rural), situation index]
RATES = np.zeros((len(CLASSES), 2, len(CODES)))
for _s in SITUATIONS:
    for _class, (_urban, _rural) in _s.rates.items():
        RATES[CLASSES.index(_class), 0, INDEX[_s.code]] = _urban
        RATES[CLASSES.index(_class), 1, INDEX[_s.code]] = _rural
if (RATES.sum(axis=2) >= 0.5).any():
    raise RuntimeError("planted situations must leave most households without one")


def assign(rng: np.random.Generator, household_class: np.ndarray, urban: np.ndarray) -> np.ndarray:
    """A situation index (into ``CODES``) for each household; 0 is none.

    Within each (class, area) stratum, situation s goes to round(rate_s × stratum size) households
    chosen at random (stochastic rounding keeps the expected count exact).
    """
    result = np.zeros(len(household_class), dtype=np.int8)
    area = np.where(urban, 0, 1)
    for c in range(len(CLASSES)):
        for a in (0, 1):
            members = np.flatnonzero((household_class == c) & (area == a))
            if len(members) == 0:
                continue
            expected = RATES[c, a] * len(members)
            counts = np.floor(expected + rng.random(len(expected))).astype(np.int64)
            counts[0] = 0
            chosen = rng.permutation(members)
            labels = np.repeat(np.arange(len(CODES), dtype=np.int8), counts)[: len(members)]
            result[chosen[: len(labels)]] = labels
    return result
