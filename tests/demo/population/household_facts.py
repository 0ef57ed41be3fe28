"""Per-household figures computed from the generated tables, the way a means test reads them.

Only for checking that the planted situations show in the facts; the engine's own rules live in
``minzheng.engine``. Household ids are dense (1 … n), so arrays are indexed by ``id - 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

COUNTED_INCOME = ("wage", "business", "property", "transfer", "pension")
FINANCIAL = ("deposit", "securities", "fund", "commercial_insurance", "claim", "online_finance")
DISQUALIFYING_VEHICLES = ("car", "boat", "construction_machinery", "large_farm_machinery")


def days(value: date) -> int:
    return (value - date(1970, 1, 1)).days


def ints(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False))


def strings(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_pylist(), dtype=object)


def money(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.cast(pc.fill_null(column, 0), pa.float64()).to_numpy())


def day_numbers(column: pa.ChunkedArray) -> np.ndarray:
    filled = pc.fill_null(pc.cast(column, pa.int32()), -1)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.int64)


@dataclass
class HouseholdFacts:
    """Figures per household (index = household_id - 1)."""

    n: int
    urban: np.ndarray
    standard: np.ndarray
    members: np.ndarray
    counted: np.ndarray
    monthly_income_per_counted: np.ndarray
    financial_per_counted: np.ndarray
    has_vehicle: np.ndarray
    has_operating_business: np.ndarray
    open_dibao: np.ndarray
    open_tekun: np.ndarray
    situation: np.ndarray


def household_facts(tables: dict[str, pa.Table], as_of: date) -> HouseholdFacts:
    households = tables["households"]
    n = households.num_rows
    urban = strings(households.column("area_type")) == "urban"
    standard = np.where(urban, 770.0, 630.0)

    memberships = tables["memberships"]
    member_household = ints(memberships.column("household_id")) - 1
    apart = strings(memberships.column("apart_reason")) != ""
    ended = pc.is_valid(memberships.column("valid_to")).to_numpy(zero_copy_only=False)
    members = np.bincount(member_household, minlength=n)
    counted = np.bincount(member_household, weights=~apart & ~ended, minlength=n)

    incomes = tables["incomes"]
    kind = strings(incomes.column("kind"))
    income_household = ints(incomes.column("household_id")) - 1
    is_counted = np.isin(kind, COUNTED_INCOME)
    total = np.bincount(
        income_household[is_counted],
        weights=money(incomes.column("amount"))[is_counted],
        minlength=n,
    )
    per_counted = np.divide(total / 12, counted, out=np.zeros(n), where=counted > 0)

    assets = tables["assets"]
    asset_kind = strings(assets.column("kind"))
    asset_household = ints(assets.column("household_id")) - 1
    value = money(assets.column("value"))
    financial = np.isin(asset_kind, FINANCIAL)
    financial_total = np.bincount(asset_household[financial], weights=value[financial], minlength=n)
    financial_per_counted = np.divide(financial_total, counted, out=np.zeros(n), where=counted > 0)
    has_vehicle = np.zeros(n, dtype=bool)
    has_vehicle[asset_household[np.isin(asset_kind, DISQUALIFYING_VEHICLES)]] = True
    operating = pc.fill_null(assets.column("business_operating"), False).to_numpy(
        zero_copy_only=False
    )
    has_business = np.zeros(n, dtype=bool)
    has_business[asset_household[(asset_kind == "business") & operating]] = True

    enrolments = tables["enrolments"]
    programme = strings(enrolments.column("programme"))
    open_ = pc.is_null(enrolments.column("end_date")).to_numpy(zero_copy_only=False)
    enrolment_household = ints(enrolments.column("household_id")) - 1
    open_dibao = np.zeros(n, dtype=bool)
    open_dibao[enrolment_household[(programme == "dibao") & open_]] = True
    open_tekun = np.zeros(n, dtype=bool)
    open_tekun[enrolment_household[(programme == "tekun") & open_]] = True

    planted = tables["planted_situations"]
    situation = strings(planted.column("situation"))
    return HouseholdFacts(
        n=n,
        urban=urban,
        standard=standard,
        members=members,
        counted=counted,
        monthly_income_per_counted=per_counted,
        financial_per_counted=financial_per_counted,
        has_vehicle=has_vehicle,
        has_operating_business=has_business,
        open_dibao=open_dibao,
        open_tekun=open_tekun,
        situation=situation,
    )
