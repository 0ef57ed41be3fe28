"""Reading and checking in a process of its own (large files) gives what a thread gives.

Both ways run over the same small files here: ``reading.PROCESS_MIN_ROWS`` decides which one a file
gets, and chunks of two rows make every path cross chunk boundaries (and, in a process, the
pipe): bad rows refused while checking, rows refused while landing (unknown person, other
name), re-imports unchanged, the error file with the rows as sent, spreadsheets' cells.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from minzheng.registry import pii
from minzheng.registry.idnumbers import IdNumber
from minzheng.registry.ingest import pipeline as ingest_pipeline
from minzheng.registry.ingest import reading as ingest_reading
from minzheng.registry.ingest import run_import
from minzheng.registry.ingest.landing import Pending
from minzheng.registry.ingest.reader import SourceRow
from minzheng.registry.ingest.reading import ParsedChunk
from minzheng.registry.ingest.services import error_path_for
from minzheng.registry.ingest.spec import FactPlan, HouseholdPlan, RowError, RowPlan
from minzheng.registry.models import Expenditure, Household, LifeEvent, Membership, Person
from tests.registry.factories import make_id_number
from tests.registry.ingest.files import HUKOU, family, write_csv, write_xlsx

pytestmark = pytest.mark.usefixtures("feeds")

MEDICAL = ["身份证号码", "姓名", "结算日期", "自付金额", "单据号", "就诊类型"]


@pytest.fixture(params=["process", "thread"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(ingest_pipeline, "CHUNK_SIZE", 2)
    limit = 0 if request.param == "process" else 10**9
    monkeypatch.setattr(ingest_reading, "PROCESS_MIN_ROWS", limit)
    return str(request.param)


def _error_rows(batch: Any) -> list[tuple[Any, ...]]:
    book = load_workbook(error_path_for(batch), read_only=True)
    rows = [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def test_register_then_facts_land_the_same_either_way(tmp_path: Path, reading: str) -> None:
    rows = family("003001", size=3) + family("003002", size=2)
    bad = [*rows[0][:1], "坏行", "", "", "500101999999", "", "户主", "003003"]
    path = write_csv(tmp_path / "户籍.csv", HUKOU, [*rows[:3], bad, *rows[3:]])

    batch = run_import(feed_code="police_hukou", path=path, by=None)

    assert (batch.status, batch.rows_done, batch.rows_created, batch.rows_failed) == (
        "partial",
        6,
        5,
        1,
    )
    assert [(e["row"], e["column"], e["message"]) for e in batch.errors] == [
        (5, "区划代码", "区划代码在行政区划表中不存在")
    ]
    assert _error_rows(batch)[1][:5] == (rows[0][0], "坏行", None, None, "500101999999")
    assert Person.objects.count() == 5
    assert Household.objects.count() == 2
    assert Membership.objects.filter(closed_at__isnull=True).count() == 5
    person = Person.objects.get(id_number_hash=pii.lookup_hash(rows[0][0]))
    assert pii.decrypt(person.id_number_encrypted) == rows[0][0]
    assert person.id_number_masked == rows[0][0][:6] + "********" + rows[0][0][-4:]
    assert person.field_source("name")["batch"] == batch.pk  # type: ignore[index]

    again = run_import(feed_code="police_hukou", path=path, by=None)
    assert (again.rows_created, again.rows_unchanged, again.rows_failed) == (0, 5, 1)
    assert Membership.objects.count() == 5

    stranger = make_id_number(date(1990, 1, 1))
    medical = [
        [rows[0][0], rows[0][1], "2025-01-10", "120.50", "YB1", "门诊"],
        [rows[1][0], rows[1][1], "2025-01-11", "3000", "YB2", "住院"],
        [stranger, "", "2025-01-12", "12", "YB3", "门诊"],
        [rows[2][0], "别人", "2025-01-13", "12", "YB4", "门诊"],
        [rows[3][0], rows[3][1], "2025-01-14", "-5", "YB5", "门诊"],
        [rows[0][0], rows[0][1], "2025-01-10", "120.50", "YB1", "门诊"],  # the first again
    ]
    path = write_csv(tmp_path / "医保.csv", MEDICAL, medical)

    facts = run_import(feed_code="healthcare_medical", path=path, by=None)

    assert (facts.rows_created, facts.rows_unchanged, facts.rows_failed) == (2, 1, 3)
    assert [(e["row"], e["column"]) for e in facts.errors] == [
        (4, "身份证号码"),
        (5, "姓名"),
        (6, "自付金额"),
    ]
    assert [r[:5] for r in _error_rows(facts)[1:]] == [
        (stranger, None, "2025-01-12", "12", "YB3"),
        (rows[2][0], "别人", "2025-01-13", "12", "YB4"),
        (rows[3][0], rows[3][1], "2025-01-14", "-5", "YB5"),
    ]
    assert sorted(Expenditure.objects.values_list("reference", "amount", "source_batch")) == [
        ("YB1", Decimal("120.50"), facts.pk),
        ("YB2", Decimal("3000.00"), facts.pk),
    ]
    assert list(LifeEvent.objects.values_list("kind", flat=True)) == ["hospitalisation"]

    corrected = [[rows[0][0], rows[0][1], "2025-01-10", "99.00", "YB1", "门诊"]]
    fix = run_import(
        feed_code="healthcare_medical",
        path=write_csv(tmp_path / "医保更正.csv", MEDICAL, corrected),
        by=None,
    )
    assert fix.rows_created == 1
    assert sorted(
        (amount, closed is None)
        for amount, closed in Expenditure.objects.filter(reference="YB1").values_list(
            "amount", "closed_at"
        )
    ) == [(Decimal("99.00"), True), (Decimal("120.50"), False)]


def test_a_spreadsheet_register_lands_the_same_either_way(tmp_path: Path, reading: str) -> None:
    rows = family("003101", size=3)
    rows[1][0] = int(rows[1][0][:15])  # not text: a number, as Excel keeps it (refused)
    path = write_xlsx(tmp_path / "户籍.xlsx", HUKOU, rows, title="户籍人口")

    batch = run_import(feed_code="police_hukou", path=path, by=None)

    assert (batch.rows_created, batch.rows_failed) == (2, 1)
    assert batch.errors[0]["row"] == 4
    assert Person.objects.count() == 2


def test_an_error_while_reading_fails_the_batch_and_lands_nothing(
    tmp_path: Path, reading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = ingest_pipeline.FilePipeline.check

    def check(self: Any, chunk: list[Any]) -> Any:
        if chunk[0].number >= 4:  # the second chunk
            raise ValueError("读到一半出错")
        return checked(self, chunk)

    monkeypatch.setattr(ingest_pipeline.FilePipeline, "check", check)
    path = write_csv(tmp_path / "户籍.csv", HUKOU, family("003201", size=4))

    batch = run_import(feed_code="police_hukou", path=path, by=None)

    assert batch.status == "failed"
    assert "读到一半出错" in batch.message
    assert Person.objects.count() == 0


def test_a_chunk_crosses_the_pipe_as_marshal_when_plain_and_as_pickle_otherwise() -> None:
    # A register's plans are plain values, and so are a fact's amounts and dates once sent as
    # text and ordinals: ``marshal``, quicker both ways. A value of any other kind (a date and
    # time, as a spreadsheet's cell may give) goes by pickle. Either way the landing side gets
    # the same plans (but for the ID number's parts, sent only with a row that may create a
    # person).
    number = make_id_number(date(1980, 5, 17), "M")
    parsed_id = IdNumber(number, number[:6], date(1980, 5, 17), "M")
    household = HouseholdPlan("003001", 7, "某路1号", "head")
    register = RowPlan(parsed_id, "张三", {"name": "张三"}, {"name": "张三"}, household=household)
    fields = {"kind": "medical", "amount": Decimal("12.50"), "date": date(2026, 1, 5)}
    medical = RowPlan(
        parsed_id,
        "张三",
        facts=[FactPlan("expenditure", fields), FactPlan("life_event", {"date": date(2026, 1, 3)})],
        updates_as_of=date(2026, 1, 5),
    )
    death = RowPlan(
        parsed_id, "张三", updates={"died_at": datetime(2026, 1, 5, 8, 30)}, updates_as_of=None
    )
    for plan, format_byte in ((register, b"M"), (medical, b"M"), (death, b"P")):
        rows = [SourceRow(2, [number, "张三"]), SourceRow(3, ["坏", ""])]
        chunk = ParsedChunk(
            rows,
            [Pending(2, plan, "ab" * 32, ("token", "mask", "cd" * 32))],
            {3: [RowError("id_number", "坏")]},
        )
        sent = ingest_reading.pack(chunk)
        assert sent[:1] == format_byte
        got = ingest_reading.unpack(memoryview(sent))
        assert [(r.number, list(r.cells)) for r in got.rows] == [
            (2, [number, "张三"]),
            (3, ["坏", ""]),
        ]
        assert [(e.column, e.reason) for e in got.refused[3]] == [("id_number", "坏")]
        [pending] = got.pending
        assert (pending.number, pending.key, pending.sealed) == (
            2,
            "ab" * 32,
            ("token", "mask", "cd" * 32),
        )
        if plan.creates is None:  # the landing reads the number's parts only to create
            assert pending.plan.id_number is None
        else:
            assert pending.plan.id_number == (number, number[:6], date(1980, 5, 17), "M")
        assert (pending.plan.name, pending.plan.creates, pending.plan.updates) == (
            plan.name,
            plan.creates,
            plan.updates,
        )
        assert pending.plan.updates_as_of == plan.updates_as_of
        assert pending.plan.household == (
            None if plan.household is None else tuple(household.__dict__.values())
        )
        assert [(f.kind, f.fields) for f in pending.plan.facts] == [
            (f.kind, f.fields) for f in plan.facts
        ]
        for sent_fact, fact in zip(pending.plan.facts, plan.facts, strict=True):
            assert [type(v) for v in sent_fact.fields.values()] == [
                type(v) for v in fact.fields.values()
            ]
    assert fields["amount"] == Decimal("12.50")  # the plan's own fields left as they were
