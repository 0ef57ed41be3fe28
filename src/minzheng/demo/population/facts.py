"""The fact rows a block produces, and the index of every enumerated value they use."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from minzheng.demo.population.block import FactRows
from minzheng.engine import schema

INCOME = {k: i for i, k in enumerate(schema.INCOME_KINDS)}
ASSET_KINDS: tuple[str, ...] = (
    *schema.FINANCIAL_ASSET_KINDS,
    *schema.VEHICLE_KINDS,
    "home",
    "business",
)
ASSET = {k: i for i, k in enumerate(ASSET_KINDS)}
HOUSING_GRADES = ("", "C", "D")
BUSINESS_ROLE = {r: i for i, r in enumerate(schema.BUSINESS_ROLES)}
EXPENDITURE = {k: i for i, k in enumerate(schema.EXPENDITURE_KINDS)}
EVENT = {k: i for i, k in enumerate(schema.EVENT_KINDS)}


@dataclass
class Facts:
    """The fact rows of a block, by table."""

    incomes: FactRows = field(default_factory=FactRows)
    assets: FactRows = field(default_factory=FactRows)
    expenditures: FactRows = field(default_factory=FactRows)
    events: FactRows = field(default_factory=FactRows)
    enrolments: FactRows = field(default_factory=FactRows)


def full(n: int, value: float | int) -> np.ndarray:
    """``n`` copies of ``value``."""
    return np.full(n, value)
