"""Loading a Parquet population into the registry: exact counts, sources, idempotent re-runs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from minzheng.audit.models import AuditEvent
from minzheng.demo.population import Options, generate
from minzheng.registry import bulk, pii
from minzheng.registry.models import (
    Asset,
    Enrolment,
    Expenditure,
    Household,
    ImportBatch,
    Income,
    LifeEvent,
    Membership,
    Person,
)
from minzheng.registry.services.fingerprints import fact_fingerprint, source_key_for_feed

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 9, 30)
MODELS: dict[
    str,
    type[Person | Household | Membership | Income | Asset | Expenditure | LifeEvent | Enrolment],
] = {
    "persons": Person,
    "households": Household,
    "memberships": Membership,
    "incomes": Income,
    "assets": Asset,
    "expenditures": Expenditure,
    "events": LifeEvent,
    "enrolments": Enrolment,
}


@pytest.fixture(scope="module")
def population_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population")
    generate(
        out=out, options=Options(persons=3_000, seed=21, as_of=AS_OF, counties=("500101", "500243"))
    )
    return out


def _rows(directory: Path, table: str) -> int:
    return pq.read_metadata(directory / f"{table}.parquet").num_rows


def test_loads_exact_counts_and_a_rerun_adds_nothing(
    divisions: object, population_dir: Path
) -> None:
    first = bulk.load_population(directory=population_dir)

    for table, model in MODELS.items():
        assert first.created[table] == _rows(population_dir, table), table
        assert model.objects.count() == _rows(population_dir, table), table
    assert AuditEvent.objects.filter(action=bulk.LOAD_ACTION).count() == 1

    again = bulk.load_population(directory=population_dir)

    assert set(again.created.values()) == {0}
    for table, model in MODELS.items():
        assert model.objects.count() == _rows(population_dir, table), table
    assert AuditEvent.objects.filter(action=bulk.LOAD_ACTION).count() == 1
    assert bulk.population_loaded(first.key)


def test_persons_are_encrypted_hashed_masked_and_sourced(
    divisions: object, population_dir: Path
) -> None:
    bulk.load_population(directory=population_dir)
    row = pq.read_table(population_dir / "persons.parquet").slice(0, 1).to_pylist()[0]

    person = Person.objects.get(id_number_hash=pii.lookup_hash(row["id_number"]))

    assert pii.decrypt(person.id_number_encrypted) == row["id_number"]
    assert person.id_number_masked == row["id_number"][:6] + "********" + row["id_number"][14:]
    assert row["id_number"] not in person.id_number_encrypted
    assert (person.name, person.sex, person.birth_date) == (
        row["name"],
        row["sex"],
        row["birth_date"],
    )
    assert person.residence_division is not None
    assert person.residence_division.code == row["residence_division"]
    assert person.field_sources["disability_grade"]["feed"] == "disability_certificates"
    assert person.field_sources["name"]["feed"] == "police_hukou"
    household = person.memberships.get().household
    assert household.head_id is not None
    assert household.division.code == row["residence_division"]


def test_every_fact_names_its_batch_and_the_registry_fingerprint(
    divisions: object, population_dir: Path
) -> None:
    result = bulk.load_population(directory=population_dir)
    row = pq.read_table(population_dir / "incomes.parquet").slice(0, 1).to_pylist()[0]
    stored = Income.objects.select_related("person", "source_batch__feed").order_by("id")[0]

    assert stored.fingerprint == fact_fingerprint(
        "income",
        source=source_key_for_feed(row["source"]),
        person=stored.person,
        kind=row["kind"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        amount=row["amount"],
    )
    assert stored.amount == Decimal(row["amount"])
    assert stored.source_batch is not None
    assert stored.source_batch.feed.code == row["source"]
    batches = ImportBatch.objects.filter(file_sha256=bulk.batch_hash(result.key))
    assert sum(b.rows_created for b in batches) == sum(result.created.values())
    for model in (Membership, Income, Asset, Expenditure, LifeEvent, Enrolment):
        assert not model.objects.filter(source_batch__isnull=True).exists(), model


def test_column_fingerprints_equal_the_registry_helper(
    divisions: object, population_dir: Path
) -> None:
    bulk.load_population(directory=population_dir)

    for kind, model in (
        ("membership", Membership),
        ("asset", Asset),
        ("expenditure", Expenditure),
        ("life_event", LifeEvent),
        ("enrolment", Enrolment),
    ):
        facts = model.objects.select_related("source_batch__feed").order_by("id")[:200]
        for fact in facts:
            assert fact.source_batch is not None
            fields = {name: getattr(fact, name) for name in _FIELDS[kind]}
            expected = fact_fingerprint(
                kind, source=source_key_for_feed(fact.source_batch.feed.code), **fields
            )
            assert fact.fingerprint == expected, (kind, fact.pk)


_FIELDS = {
    "membership": ("household", "person", "valid_from", "relation", "apart_reason"),
    "asset": (
        "person",
        "kind",
        "reference",
        "as_of",
        "value",
        "floor_area",
        "housing_grade",
        "business_role",
        "business_operating",
    ),
    "expenditure": ("person", "kind", "date", "reference", "amount"),
    "life_event": ("person", "kind", "date", "amount", "detail"),
    "enrolment": ("household", "person", "programme", "start_date", "end_date", "monthly_amount"),
}


def test_a_larger_run_with_the_same_key_adds_only_the_new(
    divisions: object, tmp_path: Path
) -> None:
    options = {"seed": 5, "as_of": AS_OF, "counties": ("500229",)}
    generate(out=tmp_path / "small", options=Options(persons=800, **options))  # type: ignore[arg-type]
    generate(out=tmp_path / "large", options=Options(persons=1_200, **options))  # type: ignore[arg-type]

    bulk.load_population(directory=tmp_path / "small")
    bulk.load_population(directory=tmp_path / "large")

    assert Person.objects.count() == 1_200
    assert Household.objects.count() == _rows(tmp_path / "large", "households")


def test_refuses_a_directory_without_a_population(divisions: object, tmp_path: Path) -> None:
    with pytest.raises(bulk.PopulationError):
        bulk.load_population(directory=tmp_path)
