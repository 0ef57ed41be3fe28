"""Household compositions and the people in them: relations, ages and sexes.

A household is drawn from a small set of templates (an old person alone, an old couple, a couple
with children, three generations, grandparents raising grandchildren …) whose weights differ in
town and country [A]. The weights are tuned so that the people add up to Chongqing's age structure
(7th census 2020: 0–14 15.91 %, 60+ 21.87 %, 65+ 17.08 % [K]) and to a mean household size near 2.6
(see calibration.py); tests/demo/population checks both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minzheng.demo.population import calibration
from minzheng.engine import schema

# The classes situations are planted in (situations.py): who heads the household and who else lives
# in it decides which situations can happen to it.
CLASSES = ("elder_alone", "elder_family", "single_adult", "single_parent", "couple_family")

HEAD_SEX = -1.0  # slot sex rule: the template's head rule
OPPOSITE_SEX = -2.0  # slot sex rule: the other sex than the head
BOY = calibration.SEX_RATIO_AT_BIRTH / (1 + calibration.SEX_RATIO_AT_BIRTH)


@dataclass(frozen=True)
class Template:
    """One kind of household: its members (relation, sex rule, age rule) and how common it is."""

    name: str
    household_class: str
    slots: tuple[tuple[str, float, str], ...]
    head_age: tuple[float, float, float, float]  # low, high, beta a, beta b (years)
    head_male: float
    weight_urban: float
    weight_rural: float


_HEAD = ("head", HEAD_SEX, "head")
_SPOUSE = ("spouse", OPPOSITE_SEX, "spouse")
_CHILD = ("child", BOY, "child")
_ADULT_CHILD = ("child", 0.6, "adult_child")
_GRANDCHILD = ("grandchild", BOY, "grandchild")
_FATHER = ("parent", 1.0, "parent")
_MOTHER = ("parent", 0.0, "parent")
_A_PARENT = ("parent", 0.35, "parent")
_ELDER_AGE = (60.0, 99.0, 1.3, 2.55)
_MALE_HEAD = calibration.HEAD_MALE_SHARE

TEMPLATES: tuple[Template, ...] = (
    Template(
        "elder_single",
        "elder_alone",
        (_HEAD,),
        _ELDER_AGE,
        1 - calibration.ELDER_ALONE_FEMALE_SHARE,
        0.085,
        0.110,
    ),
    Template(
        "elder_couple", "elder_family", (_HEAD, _SPOUSE), _ELDER_AGE, _MALE_HEAD, 0.115, 0.135
    ),
    Template(
        "elder_with_child", "elder_family", (_HEAD, _ADULT_CHILD), _ELDER_AGE, 0.45, 0.04, 0.04
    ),
    Template(
        "skipped_generation",
        "elder_family",
        (_HEAD, _SPOUSE, _GRANDCHILD),
        (58.0, 80.0, 1.5, 2.0),
        _MALE_HEAD,
        0.012,
        0.045,
    ),
    Template(
        "skipped_generation_2",
        "elder_family",
        (_HEAD, _SPOUSE, _GRANDCHILD, _GRANDCHILD),
        (58.0, 80.0, 1.5, 2.0),
        _MALE_HEAD,
        0.004,
        0.018,
    ),
    Template("adult_single", "single_adult", (_HEAD,), (18.0, 59.9, 1.2, 1.6), 0.56, 0.125, 0.085),
    Template(
        "couple", "couple_family", (_HEAD, _SPOUSE), (22.0, 59.9, 1.0, 1.0), _MALE_HEAD, 0.15, 0.11
    ),
    Template(
        "nuclear_1",
        "couple_family",
        (_HEAD, _SPOUSE, _CHILD),
        (24.0, 58.0, 2.4, 1.7),
        _MALE_HEAD,
        0.21,
        0.14,
    ),
    Template(
        "nuclear_2",
        "couple_family",
        (_HEAD, _SPOUSE, _CHILD, _CHILD),
        (27.0, 56.0, 2.4, 1.7),
        _MALE_HEAD,
        0.11,
        0.11,
    ),
    Template(
        "nuclear_3",
        "couple_family",
        (_HEAD, _SPOUSE, _CHILD, _CHILD, _CHILD),
        (30.0, 55.0, 2.0, 2.0),
        _MALE_HEAD,
        0.012,
        0.03,
    ),
    Template(
        "single_parent",
        "single_parent",
        (_HEAD, _CHILD),
        (26.0, 58.0, 2.0, 2.0),
        0.35,
        0.04,
        0.03,
    ),
    Template(
        "three_generation",
        "couple_family",
        (_HEAD, _SPOUSE, _CHILD, _A_PARENT),
        (27.0, 52.0, 2.0, 2.0),
        _MALE_HEAD,
        0.05,
        0.06,
    ),
    Template(
        "three_generation_2",
        "couple_family",
        (_HEAD, _SPOUSE, _CHILD, _FATHER, _MOTHER),
        (27.0, 50.0, 2.0, 2.0),
        _MALE_HEAD,
        0.035,
        0.05,
    ),
    Template(
        "three_generation_3",
        "couple_family",
        (_HEAD, _SPOUSE, _CHILD, _CHILD, _FATHER, _MOTHER),
        (30.0, 50.0, 2.0, 2.0),
        _MALE_HEAD,
        0.012,
        0.03,
    ),
)

_RELATION = {r: i for i, r in enumerate(schema.RELATIONS)}
_AGE_RULES = ("head", "spouse", "child", "adult_child", "parent", "grandchild")

TEMPLATE_SIZE = np.array([len(t.slots) for t in TEMPLATES], dtype=np.int64)
TEMPLATE_CLASS = np.array([CLASSES.index(t.household_class) for t in TEMPLATES], dtype=np.int8)
_SLOT_START = np.r_[0, np.cumsum(TEMPLATE_SIZE)[:-1]]
_SLOT_RELATION = np.array([_RELATION[s[0]] for t in TEMPLATES for s in t.slots], dtype=np.int8)
_SLOT_SEX = np.array([s[1] for t in TEMPLATES for s in t.slots])
_SLOT_AGE_RULE = np.array([_AGE_RULES.index(s[2]) for t in TEMPLATES for s in t.slots])
_HEAD_AGE = np.array([t.head_age for t in TEMPLATES])
_HEAD_MALE = np.array([t.head_male for t in TEMPLATES])
_WEIGHTS = np.array([[t.weight_urban for t in TEMPLATES], [t.weight_rural for t in TEMPLATES]])
_CUMULATIVE = np.cumsum(_WEIGHTS / _WEIGHTS.sum(axis=1, keepdims=True), axis=1)


def draw_templates(rng: np.random.Generator, urban: np.ndarray) -> np.ndarray:
    """A template index for each household, by the weights of its area type."""
    u = rng.random(len(urban))
    urban_pick = np.searchsorted(_CUMULATIVE[0], u, side="right")
    rural_pick = np.searchsorted(_CUMULATIVE[1], u, side="right")
    pick = np.where(urban, urban_pick, rural_pick)
    return np.minimum(pick, len(TEMPLATES) - 1).astype(np.int8)


@dataclass
class Members:
    """The people of a block of households, in household order (the head first)."""

    household: np.ndarray  # index of the person's household within the block
    position: np.ndarray  # 0 for the head, then the template's slots in order
    relation: np.ndarray  # index into schema.RELATIONS
    male: np.ndarray  # bool
    age: np.ndarray  # years (float) on the as-of date
    first: np.ndarray  # per household: index of its head among the people


def expand(rng: np.random.Generator, template: np.ndarray, size: np.ndarray) -> Members:
    """The members of households with the given templates (``size`` may cut the last slots)."""
    n_households = len(template)
    first = np.r_[0, np.cumsum(size)[:-1]].astype(np.int64)
    household = np.repeat(np.arange(n_households), size)
    n = len(household)
    position = np.arange(n) - first[household]
    slot = _SLOT_START[template.astype(np.int64)][household] + position
    relation = _SLOT_RELATION[slot]

    low, high, a, b = (_HEAD_AGE[template.astype(np.int64), k] for k in range(4))
    head_age = low + (high - low) * rng.beta(a, b)
    head_male = rng.random(n_households) < _HEAD_MALE[template.astype(np.int64)]

    sex_rule = _SLOT_SEX[slot]
    male = rng.random(n) < np.clip(sex_rule, 0.0, 1.0)
    male = np.where(sex_rule == HEAD_SEX, head_male[household], male)
    male = np.where(sex_rule == OPPOSITE_SEX, ~head_male[household], male)

    own_head_age = head_age[household]
    u = rng.random(n)
    rule = _SLOT_AGE_RULE[slot]
    gap = rng.normal(2.5, 3.0, n)
    spouse_age = own_head_age + np.where(head_male[household], -gap, gap)
    child_high = np.clip(np.minimum(own_head_age - 20.0, 32.0), 0.3, None)
    child_low = np.clip(own_head_age - 42.0, 0.0, child_high)
    adult_child_high = np.maximum(own_head_age - 22.0, 18.5)
    ages = np.select(
        [rule == 0, rule == 1, rule == 2, rule == 3, rule == 4, rule == 5],
        [
            own_head_age,
            spouse_age,
            child_low + u * (child_high - child_low),
            18.0 + u * (adult_child_high - 18.0),
            own_head_age + 22.0 + u * 12.0,
            u * 16.0,
        ],
    )
    # Out-of-range ages are spread over a short band rather than clipped: a clip would give
    # thousands of people the same birthday, and ID sequences per birth date are finite.
    spread = rng.random(n)
    ages = np.where((rule == 1) & (ages < 18.0), 18.0 + 4.0 * spread, ages)
    ages = np.where(ages > 100.0, 96.0 + 4.0 * spread, ages)
    ages = np.maximum(ages, 0.0)
    return Members(
        household=household,
        position=position,
        relation=relation,
        male=male,
        age=ages,
        first=first,
    )
