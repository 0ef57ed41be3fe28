"""Every table matches the engine schema exactly, with values from its enumerations."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from minzheng.demo.population import Options, generate
from minzheng.demo.population.facts import ASSET_KINDS
from minzheng.demo.population.places import DATA_DIR
from minzheng.demo.population.sources import FEEDS
from minzheng.engine import schema
from tests.demo.population.conftest import AS_OF, COUNTIES

ENUMERATIONS = {
    ("persons", "sex"): schema.SEXES,
    ("persons", "life_status"): schema.LIFE_STATUSES,
    ("persons", "work_capacity"): schema.WORK_CAPACITIES,
    ("persons", "school_status"): schema.SCHOOL_STATUSES,
    ("persons", "employment_status"): schema.EMPLOYMENT_STATUSES,
    ("persons", "disability_kind"): schema.DISABILITY_KINDS,
    ("households", "area_type"): ("urban", "rural"),
    ("memberships", "relation"): schema.RELATIONS,
    ("memberships", "apart_reason"): schema.APART_REASONS,
    ("incomes", "kind"): schema.INCOME_KINDS,
    ("assets", "kind"): ASSET_KINDS,
    ("assets", "business_role"): schema.BUSINESS_ROLES,
    ("assets", "housing_grade"): ("", "C", "D"),
    ("expenditures", "kind"): schema.EXPENDITURE_KINDS,
    ("events", "kind"): schema.EVENT_KINDS,
    ("enrolments", "programme"): schema.PROGRAMMES,
}


def test_tables_have_the_engine_schema_exactly(population: dict[str, pa.Table]) -> None:
    for name, table_schema in schema.TABLES.items():
        assert population[name].schema.equals(table_schema, check_metadata=True), name
        assert population[name].num_rows > 0, name


def test_parquet_files_read_back_with_the_engine_schema(tmp_path: Path) -> None:
    generate(out=tmp_path, options=Options(persons=2_000, seed=1, as_of=AS_OF, counties=COUNTIES))

    for name, table_schema in schema.TABLES.items():
        assert pq.read_schema(tmp_path / f"{name}.parquet").equals(table_schema), name


def test_enumerated_values_come_from_the_schema(population: dict[str, pa.Table]) -> None:
    for (table, column), allowed in ENUMERATIONS.items():
        values = set(pc.unique(population[table].column(column)).to_pylist()) - {None}
        assert values <= set(allowed), (table, column, values - set(allowed))
    assert set(ASSET_KINDS) == {
        *schema.FINANCIAL_ASSET_KINDS,
        *schema.VEHICLE_KINDS,
        "home",
        "business",
    }


def test_every_source_is_a_known_feed(population: dict[str, pa.Table]) -> None:
    for name in schema.TABLES:
        sources = set(pc.unique(population[name].column("source")).to_pylist())
        assert sources <= set(FEEDS), name


def test_division_codes_are_real_villages_of_the_chosen_counties(
    population: dict[str, pa.Table],
) -> None:
    with (DATA_DIR / "chongqing-villages.csv").open(encoding="utf-8") as handle:
        villages = {row["code"] for row in csv.DictReader(handle)}
    homes = set(population["households"].column("division_code").to_pylist())
    persons = population["persons"]
    registered = set(persons.column("hukou_division").to_pylist())
    living = set(persons.column("residence_division").to_pylist())

    assert homes <= villages
    assert registered <= villages
    assert living == homes
    assert {code[:6] for code in homes} == set(COUNTIES)


def test_no_fact_is_dated_after_the_as_of_date(population: dict[str, pa.Table]) -> None:
    dated = {
        "persons": ("birth_date", "death_date"),
        "memberships": ("valid_from", "valid_to"),
        "incomes": ("period_start", "period_end"),
        "assets": ("as_of",),
        "expenditures": ("date",),
        "events": ("date",),
        "enrolments": ("start_date", "end_date"),
    }
    for table, columns in dated.items():
        for column in columns:
            latest = pc.max(population[table].column(column)).as_py()
            assert latest is None or latest <= AS_OF, (table, column, latest)
    incomes = population["incomes"]
    assert pc.all(
        pc.less_equal(incomes.column("period_start"), incomes.column("period_end"))
    ).as_py()


def test_money_is_never_negative(population: dict[str, pa.Table]) -> None:
    for table, column in (
        ("incomes", "amount"),
        ("assets", "value"),
        ("assets", "floor_area"),
        ("expenditures", "amount"),
        ("events", "amount"),
        ("enrolments", "monthly_amount"),
    ):
        smallest = pc.min(population[table].column(column)).as_py()
        assert smallest is None or smallest >= 0, (table, column)
