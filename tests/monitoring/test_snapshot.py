"""The registry → engine seam: what the snapshot carries, and what it never does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from minzheng.engine import schema
from minzheng.registry import services as registry_services
from minzheng.registry import snapshot
from minzheng.registry.models import Feed, ImportBatch, Income
from tests.monitoring import situations as s
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


def test_export_in_the_engine_schema_without_id_numbers(tmp_path: Path) -> None:
    household = s.poor_household("快照户主")
    other = s.enrolled_rich_household()
    result = snapshot.snapshot_export(directory=tmp_path, chunk_rows=2)
    for name, target in schema.TABLES.items():
        table = pq.read_table(tmp_path / f"{name}.parquet")
        assert table.schema.equals(target), name
        assert table.num_rows == result.rows[name]
    persons = pq.read_table(tmp_path / "persons.parquet").to_pylist()
    assert {p["id_number"] for p in persons} == {None}
    assert {p["name"] for p in persons} == {None}
    assert household.head_id in {p["person_id"] for p in persons}
    households = pq.read_table(tmp_path / "households.parquet").to_pylist()
    assert {h["household_id"] for h in households} == {household.pk, other.pk}
    assert {h["division_code"] for h in households} == {rf.VILLAGE}
    assert result.rows["enrolments"] == 1
    assert result.source.directory == tmp_path


def test_sources_name_the_worker(tmp_path: Path, scoped_user: Any) -> None:
    worker = scoped_user(["household.view", "household.edit"], division=rf.TOWNSHIP)
    household = rf.household(None)
    registry_services.fact_record(
        by=worker,
        kind="income",
        person=household.head,
        values={
            "kind": "wage",
            "amount": "1000",
            "period_start": dt.date(2026, 1, 1),
            "period_end": dt.date(2026, 6, 30),
        },
    )
    snapshot.snapshot_export(directory=tmp_path)
    incomes = pq.read_table(tmp_path / "incomes.parquet").to_pylist()
    assert [i["source"] for i in incomes] == [f"user:{worker.username}"]


def test_closed_facts_and_closed_households_stay_out(tmp_path: Path) -> None:
    household = s.poor_household()
    income = Income.objects.get(person=household.head)
    registry_services.fact_close(by=None, fact=income, reason="录入错误")
    snapshot.snapshot_export(directory=tmp_path)
    assert pq.read_table(tmp_path / "incomes.parquet").num_rows == 0


def test_one_household_source_holds_only_its_rows() -> None:
    mine = s.poor_household("本户")
    s.enrolled_rich_household("他户")
    tables = snapshot.household_tables([mine.pk])
    assert tables["households"].column("household_id").to_pylist() == [mine.pk]
    assert tables["persons"].column("person_id").to_pylist() == [mine.head_id]
    assert tables["enrolments"].num_rows == 0
    assert tables["incomes"].num_rows == 1


def test_one_household_read_equals_the_orm_read(scoped_user: Any) -> None:
    """The compiled one-household read gives exactly the tables the ORM querysets give: every
    table, a member's own row filed under no household, a worker's and a feed's sources, an
    ended membership and a closed fact."""
    worker = scoped_user(["household.view", "household.edit"], division=rf.TOWNSHIP)
    feed = Feed.objects.create(code="yb-snap", name="医保局医疗费用数据")
    batch = ImportBatch.objects.create(feed=feed, file_name="医疗.csv", file_sha256="3" * 64)
    household = s.hospitalised_household("比对户主")
    head = household.head
    assert head is not None
    spouse = rf.person(None, name="比对配偶", birth=dt.date(1975, 4, 4), sex="F")
    registry_services.member_add(
        by=None, household=household, person=spouse, relation="spouse", on=s.YEAR_AGO
    )
    registry_services.fact_record(
        by=None,
        source=batch,
        kind="expenditure",
        person=spouse,
        values={"kind": "medical", "amount": "321.45", "date": s.TODAY},
    )
    registry_services.fact_record(
        by=worker,
        kind="life_event",
        person=household.head,
        values={"kind": "hospitalisation", "date": s.TODAY},
    )
    s.enrol(household, "dibao")
    Income.objects.create(
        person=spouse, kind="pension", amount="99.99", period_start=s.YEAR_AGO, period_end=s.TODAY
    )
    closed = Income.objects.get(person=household.head)
    registry_services.fact_close(by=None, fact=closed, reason="录入错误")
    s.poor_household("他户")
    for day in (s.TODAY, s.TODAY + dt.timedelta(days=400), s.YEAR_AGO):
        fast = snapshot.household_tables([household.pk], as_of=day)
        slow = snapshot._tables_by_orm([household.pk], day)
        for name in schema.TABLES:
            assert fast[name].equals(slow[name]), (name, day)
    fast = snapshot.household_tables([household.pk], as_of=s.TODAY)
    # Members in the order they were registered (by primary key).
    assert fast["persons"].column("person_id").to_pylist() == [household.head_id, spouse.pk]
    sources = set(fast["expenditures"].column("source").to_pylist())
    assert sources == {"registry", f"yb-snap/{batch.pk}"}
    assert fast["events"].column("source").to_pylist() == [f"user:{worker.username}"]
    assert fast["incomes"].column("amount").to_pylist() == [Decimal("99.99")]


def test_a_household_source_is_explained_as_its_slice_would_be() -> None:
    """A registry source names its household: explaining it skips the slicing, and gives what
    the same rows give without the name (sliced for that household)."""
    from minzheng.engine.evaluation import seed_parameters
    from minzheng.engine.explanation import explain_household
    from minzheng.engine.population import ArrowSource

    household = s.hospitalised_household("切片户主")
    day = dt.date(2025, 8, 1)
    named = snapshot.household_source(household=household, as_of=day)
    assert named.household_id == household.pk
    plain = ArrowSource(dict(named.tables))
    snap = seed_parameters(day)
    fast = explain_household(named, household.pk, snap, day)
    sliced = explain_household(plain, household.pk, snap, day)
    assert [e.to_json() for e in fast.values()] == [e.to_json() for e in sliced.values()]
    assert any(e.subjects for e in fast.values())
