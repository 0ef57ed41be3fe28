"""Turning a generated block into Arrow tables that match the engine schema exactly."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from minzheng.demo.population import situations as sit
from minzheng.demo.population.block import Block
from minzheng.demo.population.facts import ASSET_KINDS, HOUSING_GRADES, Facts
from minzheng.demo.population.households import CLASSES
from minzheng.demo.population.people import INDUSTRIES
from minzheng.demo.population.records import DETAILS
from minzheng.demo.population.sources import CODES as SOURCES
from minzheng.engine import schema

PLANTED_SITUATIONS = pa.schema(
    [
        ("household_id", pa.int64()),
        ("household_class", pa.string()),
        ("area_type", pa.string()),
        ("situation", pa.string()),
        ("subject_person_id", pa.int64()),  # the member it happened to; null where none
        ("situation_date", pa.date32()),  # when a death or shock happened; null otherwise
    ]
)


def words(values: tuple[str, ...], index: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Strings from ``values`` picked by ``index`` (null where ``null`` is true)."""
    picks = pa.array(np.asarray(index, dtype=np.int32), mask=null)
    return pa.array(values, type=pa.string()).take(picks)


def decimals(amount: np.ndarray, kind: pa.DataType, null: np.ndarray | None = None) -> pa.Array:
    """Exact decimals with 2 places from float amounts (rounded to cents)."""
    n = len(amount)
    cents = np.round(np.nan_to_num(np.asarray(amount, dtype=np.float64)) * 100).astype(np.int64)
    words128 = np.empty((n, 2), dtype=np.int64)
    words128[:, 0] = cents
    words128[:, 1] = np.where(cents < 0, -1, 0)
    validity = None
    if null is not None and null.any():
        validity = pa.array(~null).buffers()[1]
    return pa.Array.from_buffers(kind, n, [validity, pa.py_buffer(words128.tobytes())])


def dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=null)


def ints(values: np.ndarray, kind: pa.DataType, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values).astype(kind.to_pandas_dtype()), type=kind, mask=null)


def _table(schema_: pa.Schema, columns: dict[str, pa.Array]) -> pa.Table:
    return pa.Table.from_arrays([columns[f.name] for f in schema_], schema=schema_)


def _sorted(columns: dict[str, np.ndarray], key: str) -> dict[str, np.ndarray]:
    order = np.argsort(columns[key], kind="stable")
    return {name: values[order] for name, values in columns.items()}


def _fill(value: float | int, dtype: type) -> Callable[[int], np.ndarray]:
    return lambda n: np.full(n, value, dtype=dtype)


class Ids:
    """Block-local indices to the population's ids."""

    def __init__(self, block: Block, person_offset: int, household_offset: int) -> None:
        self.block = block
        self.person_offset = person_offset
        self.household_offset = household_offset

    def person(self, index: np.ndarray) -> pa.Array:
        return pa.array(np.asarray(index, dtype=np.int64) + self.person_offset + 1)

    def household(self, index: np.ndarray) -> pa.Array:
        return pa.array(np.asarray(index, dtype=np.int64) + self.household_offset + 1)

    def household_of(self, person: np.ndarray) -> pa.Array:
        return self.household(self.block.members.household[np.asarray(person, dtype=np.int64)])


def build(
    block: Block,
    facts: Facts,
    ids: Ids,
    *,
    id_numbers: pa.Array,
    names: pa.Array,
    hukou_village: np.ndarray,
    village_codes: pa.Array,
    addresses: pa.Array,
) -> dict[str, pa.Table]:
    """The block's rows of every table of the engine schema, plus its planted situations."""
    m = block.members
    n = block.n_persons
    persons_index = np.arange(n)
    residence = block.village[m.household]
    source_public = words(SOURCES, np.full(n, SOURCES.index("police_hukou")))
    no_disability = block.disability_grade == 0
    tables = {
        "persons": _table(
            schema.PERSONS,
            {
                "person_id": ids.person(persons_index),
                "id_number": id_numbers,
                "name": names,
                "sex": words(schema.SEXES, np.where(m.male, 0, 1)),
                "birth_date": dates(block.birth_day),
                "life_status": words(schema.LIFE_STATUSES, block.life_status),
                "death_date": dates(block.death_day, block.death_day < 0),
                "hukou_division": village_codes.take(pa.array(hukou_village)),
                "residence_division": village_codes.take(pa.array(residence)),
                "disability_grade": ints(block.disability_grade, pa.int8(), no_disability),
                "disability_kind": words(
                    schema.DISABILITY_KINDS, np.maximum(block.disability_kind, 0), no_disability
                ),
                "self_care_items_lost": ints(block.self_care, pa.int8()),
                "work_capacity": words(schema.WORK_CAPACITIES, block.work_capacity),
                "school_status": words(schema.SCHOOL_STATUSES, block.school),
                "employment_status": words(schema.EMPLOYMENT_STATUSES, block.employment),
                "industry": words(INDUSTRIES, np.maximum(block.industry, 0), block.industry < 0),
                "major_illness": pa.array(block.major_illness, type=pa.bool_()),
                "lacks_civil_capacity": pa.array(block.lacks_capacity, type=pa.bool_()),
                "source": source_public,
            },
        )
    }
    nh = block.n_households
    tables["households"] = _table(
        schema.HOUSEHOLDS,
        {
            "household_id": ids.household(np.arange(nh)),
            "head_person_id": ids.person(m.first),
            "division_code": village_codes.take(pa.array(block.village)),
            "area_type": words(("urban", "rural"), np.where(block.urban, 0, 1)),
            "address": addresses,
            "source": words(SOURCES, np.full(nh, SOURCES.index("police_hukou"))),
        },
    )
    alive = block.death_day < 0
    tables["memberships"] = _table(
        schema.MEMBERSHIPS,
        {
            "household_id": ids.household(m.household),
            "person_id": ids.person(persons_index),
            "relation": words(schema.RELATIONS, m.relation),
            "apart_reason": words(schema.APART_REASONS, block.apart),
            "valid_from": dates(np.maximum(block.formed_day[m.household], block.birth_day)),
            "valid_to": dates(block.death_day, alive),
            "source": source_public,
        },
    )
    tables.update(_facts(facts, ids))
    tables["planted_situations"] = _planted(block, ids)
    return tables


def _facts(facts: Facts, ids: Ids) -> dict[str, pa.Table]:
    i64, f64 = np.int64, np.float64
    c = _sorted(
        facts.incomes.columns(
            {
                "person": _fill(0, i64),
                "kind": _fill(0, i64),
                "amount": _fill(0.0, f64),
                "start": _fill(0, i64),
                "end": _fill(0, i64),
                "source": _fill(0, i64),
            }
        ),
        "person",
    )
    incomes = _table(
        schema.INCOMES,
        {
            "person_id": ids.person(c["person"]),
            "household_id": ids.household_of(c["person"]),
            "kind": words(schema.INCOME_KINDS, c["kind"]),
            "amount": decimals(c["amount"], schema.MONEY),
            "period_start": dates(c["start"]),
            "period_end": dates(c["end"]),
            "source": words(SOURCES, c["source"]),
        },
    )
    c = _sorted(
        facts.assets.columns(
            {
                "person": _fill(0, i64),
                "kind": _fill(0, i64),
                "value": _fill(0.0, f64),
                "floor_area": _fill(np.nan, f64),
                "housing_grade": _fill(-1, i64),
                "business_role": _fill(-1, i64),
                "business_operating": _fill(-1, i64),
                "as_of": _fill(0, i64),
                "source": _fill(0, i64),
            }
        ),
        "person",
    )
    assets = _table(
        schema.ASSETS,
        {
            "household_id": ids.household_of(c["person"]),
            "person_id": ids.person(c["person"]),
            "kind": words(ASSET_KINDS, c["kind"]),
            "value": decimals(c["value"], schema.MONEY),
            "floor_area": decimals(c["floor_area"], schema.AREA, np.isnan(c["floor_area"])),
            "housing_grade": words(
                HOUSING_GRADES, np.maximum(c["housing_grade"], 0), c["housing_grade"] < 0
            ),
            "business_role": words(
                schema.BUSINESS_ROLES, np.maximum(c["business_role"], 0), c["business_role"] < 0
            ),
            "business_operating": pa.array(
                c["business_operating"] == 1, mask=c["business_operating"] < 0
            ),
            "as_of": dates(c["as_of"]),
            "source": words(SOURCES, c["source"]),
        },
    )
    c = _sorted(
        facts.expenditures.columns(
            {
                "person": _fill(0, i64),
                "kind": _fill(0, i64),
                "amount": _fill(0.0, f64),
                "date": _fill(0, i64),
                "source": _fill(0, i64),
            }
        ),
        "person",
    )
    expenditures = _table(
        schema.EXPENDITURES,
        {
            "household_id": ids.household_of(c["person"]),
            "person_id": ids.person(c["person"]),
            "kind": words(schema.EXPENDITURE_KINDS, c["kind"]),
            "amount": decimals(c["amount"], schema.MONEY),
            "date": dates(c["date"]),
            "source": words(SOURCES, c["source"]),
        },
    )
    c = _sorted(
        facts.events.columns(
            {
                "person": _fill(0, i64),
                "kind": _fill(0, i64),
                "date": _fill(0, i64),
                "amount": _fill(np.nan, f64),
                "detail": _fill(0, i64),
                "source": _fill(0, i64),
            }
        ),
        "person",
    )
    events = _table(
        schema.EVENTS,
        {
            "household_id": ids.household_of(c["person"]),
            "person_id": ids.person(c["person"]),
            "kind": words(schema.EVENT_KINDS, c["kind"]),
            "date": dates(c["date"]),
            "amount": decimals(c["amount"], schema.MONEY, np.isnan(c["amount"])),
            "detail": words(DETAILS, c["detail"]),
            "source": words(SOURCES, c["source"]),
        },
    )
    c = _sorted(
        facts.enrolments.columns(
            {
                "household": _fill(0, i64),
                "person": _fill(-1, i64),
                "programme": _fill(0, i64),
                "start": _fill(0, i64),
                "end": _fill(-1, i64),
                "monthly": _fill(np.nan, f64),
                "source": _fill(0, i64),
            }
        ),
        "household",
    )
    no_person = c["person"] < 0
    enrolments = _table(
        schema.ENROLMENTS,
        {
            "household_id": ids.household(c["household"]),
            "person_id": pa.array(
                np.where(no_person, 0, c["person"] + ids.person_offset + 1), mask=no_person
            ),
            "programme": words(schema.PROGRAMMES, c["programme"]),
            "start_date": dates(c["start"]),
            "end_date": dates(c["end"], c["end"] < 0),
            "monthly_amount": decimals(c["monthly"], schema.MONEY, np.isnan(c["monthly"])),
            "source": words(SOURCES, c["source"]),
        },
    )
    return {
        "incomes": incomes,
        "assets": assets,
        "expenditures": expenditures,
        "events": events,
        "enrolments": enrolments,
    }


def _planted(block: Block, ids: Ids) -> pa.Table:
    nh = block.n_households
    no_subject = block.subject < 0
    return _table(
        PLANTED_SITUATIONS,
        {
            "household_id": ids.household(np.arange(nh)),
            "household_class": words(CLASSES, block.household_class),
            "area_type": words(("urban", "rural"), np.where(block.urban, 0, 1)),
            "situation": words(sit.CODES, block.situation),
            "subject_person_id": pa.array(
                np.where(no_subject, 0, block.subject + ids.person_offset + 1), mask=no_subject
            ),
            "situation_date": dates(block.shock_day, block.shock_day < 0),
        },
    )
