"""The registry's references to persons and households (``registry.references``): a row naming a
person or household that does not exist is refused, whichever way it is written — the ORM, an
``UPDATE``, an import's insert. PostgreSQL checks them per statement (triggers); SQLite keeps
its deferred foreign keys, checked here as at a commit (``check_constraints``)."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from minzheng.registry import references
from minzheng.registry.ingest.sql import Inserter
from minzheng.registry.models import Expenditure, Household, Membership, Person
from tests.registry import factories

pytestmark = pytest.mark.django_db

MISSING = 987_654_321


def _checked(table: str) -> None:
    """SQLite's foreign keys are deferred: checked here as the commit would."""
    if connection.vendor == "sqlite":
        connection.check_constraints(table_names=[table])


def _model(table: str) -> Any:
    return next(m for m in apps.get_models() if m._meta.db_table == table)


def _row(table: str, person: Person, household: Household) -> dict[str, Any]:
    """Field values of a valid new row of ``table`` naming ``person`` and ``household``."""
    fact = {
        "fingerprint": next(_fingerprints),
        "person_id": person.pk,
        "household_id": household.pk,
    }
    day = date(2026, 1, 5)
    return {
        "registry_household": {
            "number": f"T-REF-{next(_fingerprints)[:8]}",
            "division_id": household.division_id,
            "head_id": person.pk,
        },
        "registry_membership": fact | {"relation": "child"},
        "registry_income": fact
        | {"kind": "wage", "amount": "100.00", "period_start": day, "period_end": day},
        "registry_asset": fact | {"kind": "deposit", "as_of": day, "value": "100.00"},
        "registry_expenditure": fact | {"kind": "medical", "amount": "100.00", "date": day},
        "registry_lifeevent": fact | {"kind": "hospitalisation", "date": day},
        "registry_enrolment": fact | {"programme": "dibao", "start_date": day},
    }[table]


_fingerprints = (f"{n:064x}" for n in itertools.count(1))


@pytest.fixture
def named() -> tuple[Person, Household]:
    """A person with no household yet, and a household (of another person)."""
    return factories.person(name="李四"), factories.household()


@pytest.mark.parametrize(("table", "column", "target"), references.REFERENCES)
def test_a_row_naming_a_missing_person_or_household_is_refused(
    named: tuple[Person, Household], table: str, column: str, target: str
) -> None:
    person, household = named
    model = _model(table)
    before = model.objects.count()
    # The row is valid as it stands: the check refuses the missing reference, nothing else.
    kept = model.objects.create(**_row(table, person, household))
    _checked(table)
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(**_row(table, person, household) | {column: MISSING})
        _checked(table)
    # Nor may a row already there be changed to name one.
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=kept.pk).update(**{column: MISSING})
        _checked(table)
    assert model.objects.count() == before + 1
    assert getattr(model.objects.get(pk=kept.pk), column) != MISSING


def test_an_import_copy_naming_a_missing_person_fails_and_writes_nothing(
    named: tuple[Person, Household],
) -> None:
    person, household = named
    inserter = Inserter(
        Membership,
        ["fingerprint", "person_id", "household_id", "relation"],
        skip_conflicts=False,
    )
    good = ("a" * 64, person.pk, household.pk, "child")
    dangling = ("b" * 64, MISSING, household.pk, "child")
    with pytest.raises(IntegrityError), transaction.atomic():
        inserter.insert([good, dangling], {})
        _checked("registry_membership")
    assert not Membership.objects.filter(person=person).exists()  # the good row neither
    with transaction.atomic():
        assert inserter.insert([good], {}) == 1
    assert Membership.objects.filter(person=person).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers")
def test_a_person_or_household_keeps_its_id() -> None:
    person = factories.person(name="王五")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(id=MISSING)
    assert Person.objects.filter(pk=person.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL checks deletes too")
def test_a_person_or_household_still_named_cannot_be_deleted_by_sql(
    named: tuple[Person, Household],
) -> None:
    person, household = named
    Expenditure.objects.create(**_row("registry_expenditure", person, household))
    for table, pk in (("registry_person", person.pk), ("registry_household", household.pk)):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert Person.objects.filter(pk=person.pk).exists()
    # A person no row names goes (nothing in the platform deletes one; the check allows it)
    alone = factories.person(name="赵六")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_person WHERE id = %s", [alone.pk])
    assert not Person.objects.filter(pk=alone.pk).exists()


def test_the_checks_are_installed_for_every_reference() -> None:
    """A migration that rebuilds one of these tables on SQLite drops its foreign keys."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            names = {row[0] for row in cursor.fetchall()}
        for table, column, target in references.REFERENCES:
            if connection.vendor == "postgresql":
                assert f"{table}_references_on_insert" in names
                assert f"{table}_references_on_update" in names
            else:
                cursor.execute(f"PRAGMA foreign_key_list({table})")
                assert (target, column) in {(row[2], row[3]) for row in cursor.fetchall()}
