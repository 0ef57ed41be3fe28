"""Importing the household register: persons, households, memberships; idempotency; sources."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest

from minzheng.audit.models import AuditEvent
from minzheng.registry import idnumbers, pii
from minzheng.registry.ingest import run_import
from minzheng.registry.models import Household, ImportBatch, Membership, Person
from tests.registry.factories import make_id_number
from tests.registry.ingest.files import HUKOU, VILLAGE, VILLAGE_2, family, write_csv, write_xlsx

pytestmark = pytest.mark.usefixtures("feeds")


def test_the_register_creates_persons_households_and_memberships(tmp_path: Path) -> None:
    rows = family("000101") + family("000102", village=VILLAGE_2, size=2)
    path = write_csv(tmp_path / "户籍.csv", HUKOU, rows, title="万州区户籍人口（2025年6月）")

    batch = run_import(feed_code="police_hukou", path=path, by=None)

    assert (batch.status, batch.rows_total, batch.rows_created, batch.rows_failed) == (
        ImportBatch.Status.SUCCEEDED,
        5,
        5,
        0,
    )
    assert Person.objects.count() == 5
    head = Person.objects.get(id_number_hash=pii.lookup_hash(rows[0][0]))
    assert pii.decrypt(head.id_number_encrypted) == rows[0][0]
    assert head.id_number_masked == idnumbers.mask(rows[0][0])
    assert (head.name, head.sex, head.birth_date) == ("成员0001010", "M", date(1975, 3, 2))
    assert head.hukou_division.code == VILLAGE  # type: ignore[union-attr]
    assert head.field_source("name")["batch"] == batch.pk  # type: ignore[index]
    assert head.field_source("hukou_division")["feed"] == "police_hukou"  # type: ignore[index]
    # One entry for all the attributes it was created with; none for those it was not.
    assert list(head.field_sources) == ["created"]
    assert head.field_source("disability_grade") is None
    household = Household.objects.get(number="500101-000101")
    assert (household.division.code, household.head_id, household.source_batch_id) == (
        VILLAGE,
        head.pk,
        batch.pk,
    )
    assert sorted(household.memberships.values_list("relation", flat=True)) == [
        "child",
        "head",
        "spouse",
    ]
    assert Membership.objects.filter(source_batch=batch).count() == 5
    events = AuditEvent.objects.filter(action="registry.import", object_id=str(batch.pk))
    assert [cast(dict[str, Any], e.after)["status"] for e in events] == ["succeeded"]


def test_importing_the_same_file_again_adds_nothing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "户籍.csv", HUKOU, family("000201") + family("000202"))
    run_import(feed_code="police_hukou", path=path, by=None)

    again = run_import(feed_code="police_hukou", path=path, by=None)

    assert (again.status, again.rows_created, again.rows_unchanged) == ("succeeded", 0, 6)
    assert (Person.objects.count(), Household.objects.count(), Membership.objects.count()) == (
        6,
        2,
        6,
    )


def test_overlapping_files_add_only_the_new_rows(tmp_path: Path) -> None:
    first, second, third = family("000301"), family("000302"), family("000303")
    run_import(
        feed_code="police_hukou",
        path=write_csv(tmp_path / "a.csv", HUKOU, first + second),
        by=None,
    )

    overlap = run_import(
        feed_code="police_hukou",
        path=write_csv(tmp_path / "b.csv", HUKOU, second + third),
        by=None,
    )

    assert (overlap.rows_created, overlap.rows_unchanged) == (3, 3)
    assert Person.objects.count() == 9
    assert Membership.objects.filter(closed_at__isnull=True).count() == 9


def test_a_person_who_moved_ends_the_old_membership(tmp_path: Path) -> None:
    rows = family("000401", size=2)
    run_import(feed_code="police_hukou", path=write_csv(tmp_path / "a.csv", HUKOU, rows), by=None)
    moved = [*rows[1][:6], "户主", "000402"]

    batch = run_import(
        feed_code="police_hukou", path=write_csv(tmp_path / "b.csv", HUKOU, [moved]), by=None
    )

    assert batch.rows_created == 1
    person = Person.objects.get(id_number_hash=pii.lookup_hash(rows[1][0]))
    memberships = person.memberships.order_by("id")
    assert [(m.household.number, m.relation, m.valid_to is None) for m in memberships] == [
        ("500101-000401", "spouse", False),
        ("500101-000402", "head", True),
    ]


def test_a_person_who_moved_back_is_recorded_back_once(tmp_path: Path) -> None:
    # The same membership stated again after it ended: recorded again, under the same
    # fingerprint (memberships' fingerprints are not unique); stated again while current, it
    # adds nothing.
    rows = family("000411", size=2)
    first = write_csv(tmp_path / "a.csv", HUKOU, rows)
    run_import(feed_code="police_hukou", path=first, by=None)
    moved = [*rows[1][:6], "户主", "000412"]
    run_import(
        feed_code="police_hukou", path=write_csv(tmp_path / "b.csv", HUKOU, [moved]), by=None
    )

    back = run_import(
        feed_code="police_hukou", path=write_csv(tmp_path / "c.csv", HUKOU, [rows[1]]), by=None
    )
    again = run_import(feed_code="police_hukou", path=first, by=None)

    assert (back.rows_created, again.rows_created) == (1, 0)
    person = Person.objects.get(id_number_hash=pii.lookup_hash(rows[1][0]))
    memberships = list(person.memberships.order_by("id"))
    assert [(m.household.number, m.relation, m.valid_to is None) for m in memberships] == [
        ("500101-000411", "spouse", False),
        ("500101-000412", "head", False),
        ("500101-000411", "spouse", True),
    ]
    assert memberships[2].fingerprint == memberships[0].fingerprint


def test_a_corrected_relation_closes_the_stated_one(tmp_path: Path) -> None:
    rows = family("000501", size=3)
    run_import(feed_code="police_hukou", path=write_csv(tmp_path / "a.csv", HUKOU, rows), by=None)
    corrected = [*rows[2][:6], "孙子", "000501"]

    run_import(
        feed_code="police_hukou", path=write_csv(tmp_path / "b.csv", HUKOU, [corrected]), by=None
    )

    person = Person.objects.get(id_number_hash=pii.lookup_hash(rows[2][0]))
    assert [(m.relation, m.closed_at is None) for m in person.memberships.order_by("id")] == [
        ("child", False),
        ("grandchild", True),
    ]


def test_xlsx_with_title_serial_dates_numbers_and_blank_rows(tmp_path: Path) -> None:
    fifteen = "500101750302001"  # first-generation number, stored by Excel as a number
    rows: list[list[Any]] = [
        [
            int(fifteen),
            "李四",
            "男",
            27455,
            int(VILLAGE),
            "某路1号",
            "户主",
            601,
        ],  # 27455: 1975-03-02
        [None] * 8,
        [
            make_id_number(date(1976, 1, 1), "F"),
            " 王 五 ",
            "女",
            "1976年1月1日",
            VILLAGE,
            "",
            "妻",
            "601",
        ],
    ]
    path = write_xlsx(tmp_path / "户籍.xlsx", HUKOU, rows, title="户籍人口信息")

    batch = run_import(feed_code="police_hukou", path=path, by=None)

    assert (batch.status, batch.rows_total, batch.rows_created) == ("succeeded", 2, 2)
    converted = idnumbers.parse(fifteen).value
    head = Person.objects.get(id_number_hash=pii.lookup_hash(converted))
    assert (head.name, head.birth_date) == ("李四", date(1975, 3, 2))
    assert Person.objects.filter(name="王五").count() == 1
    assert Household.objects.get(number="500101-601").memberships.count() == 2


def test_gbk_csv_from_a_government_export(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "户籍.csv", HUKOU, family("000701"), encoding="gbk", title="户籍")

    batch = run_import(feed_code="police_hukou", path=path, by=None)

    assert (batch.status, batch.rows_created) == ("succeeded", 3)
    assert Person.objects.filter(name="成员0007010").count() == 1


def test_the_last_row_about_a_person_in_a_file_wins(tmp_path: Path) -> None:
    rows = family("000801", size=1)
    later = [*rows[0][:6], "户主", "000802"]
    path = write_csv(tmp_path / "a.csv", HUKOU, [rows[0], later])

    batch = run_import(feed_code="police_hukou", path=path, by=None)

    assert (batch.rows_created, batch.rows_unchanged) == (1, 1)
    person = Person.objects.get()
    assert [m.household.number for m in person.memberships.all()] == ["500101-000802"]


def test_an_18_digit_id_that_excel_stored_as_a_number_is_refused_with_the_reason(
    tmp_path: Path,
) -> None:
    row = family("000901", size=1)[0]
    # An ID number whose check character is a digit (one ending in X cannot be a number); the
    # factory's sequence depends on the tests run before, so draw until one is.
    while not row[0][-1].isdigit():
        row[0] = make_id_number(date(1975, 3, 2), "M")
    row[0] = int(row[0])  # Excel keeps 15 significant digits: the last ones are lost
    path = write_xlsx(tmp_path / "户籍.xlsx", HUKOU, [row], title="户籍人口")

    batch = run_import(feed_code="police_hukou", path=path, by=None)

    assert batch.status == "failed"
    assert batch.errors[0]["row"] == 3
    assert batch.errors[0]["message"] == (
        "身份证号码被表格软件存成了科学计数法，后几位已丢失，请以文本格式重新导出"
    )
    assert Person.objects.count() == 0


def test_a_register_landed_two_rows_a_chunk_ends_as_one_landed_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On PostgreSQL a chunk's new rows are written while the next chunk is built: that chunk
    # reads the registry without them. Each pair of rows below is a chunk.
    monkeypatch.setattr("minzheng.registry.ingest.pipeline.CHUNK_SIZE", 2)
    born = date(1980, 5, 1)
    ids = {name: make_id_number(born, "M" if i % 2 else "F") for i, name in enumerate("ABCDEFGHI")}

    def row(name: str, relation: str, number: str) -> list[Any]:
        sex = "男" if ids[name][16] in "13579" else "女"
        address = f"重庆市万州区某路{number}号"
        return [ids[name], f"人员{name}", sex, born.isoformat(), VILLAGE, address, relation, number]

    rows = [
        *[row("A", "户主", "000901"), row("B", "配偶", "000901")],
        # 000901 was created by the chunk before; 000904 is new, and has no head yet
        *[row("C", "子", "000901"), row("D", "子", "000904")],
        # 000904's head named by the chunk after; B, of two chunks back, moves
        *[row("E", "户主", "000904"), row("B", "户主", "000902")],
        # two heads named for a new household: the first named is its head
        *[row("F", "户主", "000903"), row("G", "户主", "000903")],
        # G again, right after the chunk that created G: a corrected relation; 000905 is new,
        # with no head yet
        *[row("G", "配偶", "000903"), row("H", "子", "000905")],
        # 000905's head, a person new in this chunk, named by the chunk after (nothing else
        # of this chunk needs the held rows first)
        row("I", "户主", "000905"),
    ]
    path = write_csv(tmp_path / "户籍.csv", HUKOU, rows)

    batch = run_import(feed_code="police_hukou", path=path, by=None)

    assert (batch.status, batch.rows_created, batch.rows_unchanged) == ("succeeded", 11, 0)
    assert (Person.objects.count(), Household.objects.count()) == (9, 5)
    person = {name: Person.objects.get(id_number_hash=pii.lookup_hash(ids[name])) for name in ids}
    heads = dict(Household.objects.values_list("number", "head_id"))
    assert heads == {
        "500101-000901": person["A"].pk,
        "500101-000902": person["B"].pk,
        "500101-000903": person["F"].pk,
        "500101-000904": person["E"].pk,
        "500101-000905": person["I"].pk,
    }
    memberships = [
        (
            m.person.name,
            m.household.number[-6:],
            m.relation,
            m.valid_to is None and m.closed_at is None,
        )
        for m in Membership.objects.select_related("person", "household").order_by("id")
    ]
    assert sorted(memberships) == [
        ("人员A", "000901", "head", True),
        ("人员B", "000901", "spouse", False),  # moved
        ("人员B", "000902", "head", True),
        ("人员C", "000901", "child", True),
        ("人员D", "000904", "child", True),
        ("人员E", "000904", "head", True),
        ("人员F", "000903", "head", True),
        ("人员G", "000903", "head", False),  # corrected
        ("人员G", "000903", "spouse", True),
        ("人员H", "000905", "child", True),
        ("人员I", "000905", "head", True),
    ]
