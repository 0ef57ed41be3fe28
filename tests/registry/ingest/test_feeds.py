"""Each declared feed: its Feed row, and what its rows become in the registry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from minzheng.accounts.models import OrgUnit
from minzheng.divisions.models import Division
from minzheng.registry import pii
from minzheng.registry.ingest import FEEDS, run_import, seed_feeds
from minzheng.registry.ingest.landing import first_load
from minzheng.registry.models import (
    Asset,
    Enrolment,
    Expenditure,
    Feed,
    ImportBatch,
    Income,
    LifeEvent,
    Person,
)
from tests.registry.factories import make_id_number
from tests.registry.ingest.files import register, write_csv


def _import(tmp_path: Path, feed: str, headers: list[str], rows: list[list[Any]]) -> Any:
    path = write_csv(tmp_path / f"{feed}.csv", headers, rows)
    return run_import(feed_code=feed, path=path, by=None)


def _person(row: list[Any]) -> Person:
    return Person.objects.get(id_number_hash=pii.lookup_hash(row[0]))


pytestmark = pytest.mark.usefixtures("feeds")


def test_every_feed_has_one_row_linked_to_its_agency_and_seeding_is_idempotent() -> None:
    assert Feed.objects.count() == 15  # seeded by the fixture, before the agency existed
    police = OrgUnit.objects.create(
        code="agency-public-security",
        name="重庆市公安局",
        kind=OrgUnit.Kind.PARTNER_AGENCY,
        division=Division.objects.get(code="500000"),
    )

    assert seed_feeds() == (0, 3)  # the three police feeds now name their agency
    assert seed_feeds() == (0, 0)

    assert Feed.objects.count() == 15
    assert set(Feed.objects.values_list("code", flat=True)) == set(FEEDS)
    assert Feed.objects.get(code="police_hukou").org_unit == police
    assert Feed.objects.get(code="vehicles").org_unit == police
    assert Feed.objects.get(code="bank_deposits").org_unit is None
    for spec in FEEDS.values():
        assert spec.columns[0].header == "身份证号码"
        assert spec.name


def test_deaths_mark_the_person_deceased_with_the_source(tmp_path: Path) -> None:
    rows = register(tmp_path, "002001")
    batch = _import(
        tmp_path, "police_deaths", ["身份证号码", "死亡日期"], [[rows[0][0], "2025-02-03"]]
    )

    person = _person(rows[0])
    assert (person.life_status, person.death_date) == ("deceased", date(2025, 2, 3))
    assert person.field_sources["life_status"]["batch"] == batch.pk
    assert person.field_sources["death_date"]["as_of"] == "2025-02-03"
    assert list(LifeEvent.objects.values_list("kind", "date")) == [("death", date(2025, 2, 3))]


def test_disability_certificates_update_grade_unless_older(tmp_path: Path) -> None:
    rows = register(tmp_path, "002101")
    headers = ["身份证号码", "姓名", "残疾类别", "残疾等级", "发证日期"]
    newer = _import(
        tmp_path,
        "disability_certificates",
        headers,
        [[rows[0][0], rows[0][1], "肢体", "二级", "2024-05-01"]],
    )
    older = _import(
        tmp_path,
        "disability_certificates",
        headers,
        [[rows[0][0], rows[0][1], "视力残疾", "4", "2020-01-01"]],
    )

    person = _person(rows[0])
    assert (person.disability_kind, person.disability_grade) == ("physical", 2)
    assert person.field_sources["disability_grade"]["batch"] == newer.pk
    assert older.rows_created == 1  # its certificate is recorded as an event all the same
    assert sorted(LifeEvent.objects.values_list("detail", flat=True)) == [
        "肢体残疾二级",
        "视力残疾四级",
    ]


def test_a_corrected_pension_closes_the_stated_one(tmp_path: Path) -> None:
    rows = register(tmp_path, "002201")
    headers = ["身份证号码", "姓名", "险种", "发放月份", "发放金额"]
    first = [rows[0][0], rows[0][1], "企业职工基本养老保险", "2025-01", "2800"]
    _import(tmp_path, "hrss_pension", headers, [first])
    again = _import(tmp_path, "hrss_pension", headers, [first])
    corrected = _import(tmp_path, "hrss_pension", headers, [[*first[:4], "2850.5"]])

    assert (again.rows_created, again.rows_unchanged) == (0, 1)
    assert corrected.rows_created == 1
    incomes = Income.objects.order_by("id")
    assert [(i.kind, i.amount, i.closed_at is None) for i in incomes] == [
        ("pension", Decimal("2800.00"), False),
        ("pension", Decimal("2850.50"), True),
    ]
    assert (incomes[1].period_start, incomes[1].period_end) == (date(2025, 1, 1), date(2025, 1, 31))


def test_a_value_corrected_back_is_recorded_again_under_a_fresh_fingerprint(
    tmp_path: Path,
) -> None:
    rows = register(tmp_path, "002202")
    headers = ["身份证号码", "姓名", "险种", "发放月份", "发放金额"]
    first = [rows[0][0], rows[0][1], "企业职工基本养老保险", "2025-02", "2800"]
    _import(tmp_path, "hrss_pension", headers, [first])
    _import(tmp_path, "hrss_pension", headers, [[*first[:4], "2850"]])
    back = _import(tmp_path, "hrss_pension", headers, [first])
    again = _import(tmp_path, "hrss_pension", headers, [first])

    assert (back.rows_created, back.rows_unchanged) == (1, 0)
    assert (again.rows_created, again.rows_unchanged) == (0, 1)
    incomes = Income.objects.order_by("id")
    assert [(i.amount, i.closed_at is None) for i in incomes] == [
        (Decimal("2800.00"), False),
        (Decimal("2850.00"), False),
        (Decimal("2800.00"), True),
    ]
    assert len({i.fingerprint for i in incomes}) == 3


def test_wages_medical_expenses_and_hospital_stays(tmp_path: Path) -> None:
    rows = register(tmp_path, "002301")
    _import(
        tmp_path,
        "hrss_contributions",
        ["身份证号码", "缴费月份", "缴费工资"],
        [[rows[0][0], "202412", "4,500"]],
    )
    _import(
        tmp_path,
        "healthcare_medical",
        ["身份证号码", "结算日期", "自付金额", "单据号", "就诊类型", "医疗机构"],
        [[rows[1][0], "2025/3/9", "1200.456", "ZY-1", "住院", "万州区人民医院"]],
    )

    wage = Income.objects.get()
    assert (wage.kind, wage.amount, wage.period_start) == (
        "wage",
        Decimal("4500.00"),
        date(2024, 12, 1),
    )
    spent = Expenditure.objects.get()
    assert (spent.kind, spent.amount, spent.reference, spent.date) == (
        "medical",
        Decimal("1200.46"),
        "ZY-1",
        date(2025, 3, 9),
    )
    assert spent.household is not None and spent.household.number == "500101-002301"
    stay = LifeEvent.objects.get()
    assert (stay.kind, stay.detail) == ("hospitalisation", "万州区人民医院")


def test_homes_vehicles_business_roles_and_deposits_are_assets(tmp_path: Path) -> None:
    rows = register(tmp_path, "002401")
    who = rows[0][0]
    _import(
        tmp_path,
        "realestate_homes",
        ["身份证号码", "不动产权证号", "建筑面积", "房屋等级", "数据日期"],
        [[who, "渝(2020)万州区不动产权第001号", "86.5㎡", "C级", "2025-01-01"]],
    )
    _import(
        tmp_path,
        "vehicles",
        ["身份证号码", "号牌", "车辆类型", "评估价值", "数据日期"],
        [[who, "渝F·12345", "小型轿车", "35000", "2025-01-01"]],
    )
    _import(
        tmp_path,
        "market_business",
        ["身份证号码", "统一社会信用代码", "职务", "经营状态", "数据日期"],
        [[who, "91500101MA5U000000", "法定代表人", "存续", "2025-01-01"]],
    )
    _import(
        tmp_path,
        "bank_deposits",
        ["身份证号码", "存款余额", "截至日期", "银行名称"],
        [[who, "52,000.00", "2024-12-31", "重庆农村商业银行"]],
    )

    assets = {a.kind: a for a in Asset.objects.all()}
    assert (assets["home"].floor_area, assets["home"].housing_grade) == (Decimal("86.50"), "C")
    assert (assets["car"].reference, assets["car"].value) == ("渝F·12345", Decimal("35000.00"))
    business = assets["business"]
    assert (business.business_role, business.business_operating) == ("legal_representative", True)
    assert (assets["deposit"].value, assets["deposit"].as_of) == (
        Decimal("52000.00"),
        date(2024, 12, 31),
    )


def test_students_unemployment_marriage_and_funerals(tmp_path: Path) -> None:
    rows = register(tmp_path, "002501", size=3)
    parent, child = rows[0], rows[2]
    _import(
        tmp_path,
        "education_students",
        ["身份证号码", "学段", "入学日期", "学校名称"],
        [[child[0], "初中", "2020-09-01", "万州二中"]],
    )
    _import(
        tmp_path, "hrss_unemployment", ["身份证号码", "失业登记日期"], [[parent[0], "2025-04-01"]]
    )
    _import(
        tmp_path,
        "civil_marriage",
        ["身份证号码", "登记类型", "登记日期"],
        [[parent[0], "离婚", "2024-11-11"]],
    )
    _import(
        tmp_path,
        "civil_funeral",
        ["身份证号码", "死亡日期", "火化日期"],
        [[rows[1][0], "2025-01-02", "2025-01-05"]],
    )

    assert _person(child).school_status == "junior"
    assert _person(parent).employment_status == "unemployed"
    assert _person(rows[1]).life_status == "deceased"
    assert sorted(LifeEvent.objects.values_list("kind", flat=True)) == [
        "death",
        "divorce",
        "school_enrolment",
        "unemployment",
    ]


def test_enrolments_are_per_household_or_per_person(tmp_path: Path) -> None:
    rows = register(tmp_path, "002601")
    headers = ["身份证号码", "项目", "起始日期", "月金额"]
    batch = _import(
        tmp_path,
        "civil_enrolments",
        headers,
        [
            [rows[0][0], "城市低保", "2024-01-01", "620"],
            [rows[1][0], "低保", "2024-01-01", "620"],  # the same household's dibao again
            [rows[1][0], "特困人员", "2024-03-01", "1000"],
            [make_id_number(date(1950, 1, 1)), "低保", "2024-01-01", "620"],
        ],
    )

    assert (batch.rows_created, batch.rows_unchanged, batch.rows_failed) == (2, 1, 1)
    dibao = Enrolment.objects.get(programme="dibao")
    assert (dibao.person_id, dibao.household.number, dibao.monthly_amount) == (
        None,
        "500101-002601",
        Decimal("620.00"),
    )
    assert Enrolment.objects.get(programme="tekun").person == _person(rows[1])


def test_an_enrolment_needs_a_household(tmp_path: Path) -> None:
    register(tmp_path, "002701", size=1)
    outsider = make_id_number(date(1951, 2, 2))
    Person.objects.create(
        id_number_encrypted=pii.encrypt(outsider),
        id_number_hash=pii.lookup_hash(outsider),
        id_number_masked="x",
        name="无户人员",
        sex="M",
        birth_date=date(1951, 2, 2),
    )

    batch = _import(
        tmp_path,
        "civil_enrolments",
        ["身份证号码", "项目", "起始日期"],
        [[outsider, "特困", "2024-01-01"]],
    )

    assert batch.errors[0]["message"] == "该人员尚无家庭（户籍）记录，请先导入户籍数据"


def test_attribute_updates_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("minzheng.registry.ingest.pipeline.CHUNK_SIZE", 2)
    rows = register(tmp_path, "002801", size=3)
    headers = ["身份证号码", "残疾类别", "残疾等级", "发证日期"]
    certificates = [
        [rows[0][0], "肢体", "三级", "2021-01-01"],
        [rows[1][0], "视力", "四级", "2021-01-01"],
        [rows[0][0], "肢体", "二级", "2023-01-01"],  # the next chunk: the same person again
        [rows[2][0], "智力", "一级", "2022-01-01"],
        [rows[1][0], "视力", "三级", "2024-01-01"],
    ]

    batch = _import(tmp_path, "disability_certificates", headers, certificates)

    assert (batch.status, batch.rows_created) == ("succeeded", 5)
    grades = [(_person(r).disability_kind, _person(r).disability_grade) for r in rows]
    assert grades == [("physical", 2), ("visual", 3), ("intellectual", 1)]
    assert _person(rows[1]).field_sources["disability_grade"]["as_of"] == "2024-01-01"


@pytest.mark.parametrize("slots", ["remembered", "forgotten", "all-alike"])
def test_medical_expenses_across_chunks_restated_corrected_and_corrected_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slots: str
) -> None:
    # Each pair of rows is a chunk; on PostgreSQL a chunk's facts are written while the next
    # chunk is read, and that chunk's reads wait for them (MZ-5 corrected and MZ-6 restated
    # in the very next chunk). The first file is the feed's first load, whose slots filled
    # are remembered (``Lander._filled``); the second is not.
    monkeypatch.setattr("minzheng.registry.ingest.pipeline.CHUNK_SIZE", 2)
    if slots == "forgotten":  # past the limit after the first chunk: looked up from then on
        monkeypatch.setattr("minzheng.registry.ingest.landing.FILLED_LIMIT", 1)
    elif slots == "all-alike":  # every slot's hash the same: each looked up after the first
        monkeypatch.setattr("minzheng.registry.ingest.landing._slot_key", lambda *_: 0)
    rows = register(tmp_path, "002901", size=2)
    headers = ["身份证号码", "结算日期", "自付金额", "单据号", "就诊类型", "医疗机构"]

    def bill(row: list[Any], reference: str, amount: str) -> list[Any]:
        return [row[0], "2025-04-01", amount, reference, "门诊", "万州区人民医院"]

    first = _import(
        tmp_path,
        "healthcare_medical",
        headers,
        [
            *[bill(rows[0], "MZ-1", "100"), bill(rows[1], "MZ-2", "200")],
            *[bill(rows[0], "MZ-1", "100"), bill(rows[0], "MZ-3", "300")],  # MZ-1 restated
            *[bill(rows[0], "MZ-1", "110"), bill(rows[1], "MZ-4", "400")],  # MZ-1 corrected
            *[bill(rows[1], "MZ-5", "500"), bill(rows[0], "MZ-6", "600")],
            *[bill(rows[1], "MZ-5", "550"), bill(rows[0], "MZ-6", "600")],  # the chunk before's
        ],
    )
    back = _import(tmp_path, "healthcare_medical", headers, [bill(rows[0], "MZ-1", "100")])

    assert (first.status, first.rows_created, first.rows_unchanged) == ("succeeded", 8, 2)
    assert (back.status, back.rows_created, back.rows_unchanged) == ("succeeded", 1, 0)
    bills = [
        (e.reference, e.amount, e.closed_at is None)
        for e in Expenditure.objects.order_by("reference", "id")
    ]
    assert bills == [
        ("MZ-1", Decimal("100.00"), False),
        ("MZ-1", Decimal("110.00"), False),
        ("MZ-1", Decimal("100.00"), True),  # corrected back: recorded again
        ("MZ-2", Decimal("200.00"), True),
        ("MZ-3", Decimal("300.00"), True),
        ("MZ-4", Decimal("400.00"), True),
        ("MZ-5", Decimal("500.00"), False),  # corrected in the next chunk
        ("MZ-5", Decimal("550.00"), True),
        ("MZ-6", Decimal("600.00"), True),  # restated in the next chunk: once
    ]


def test_a_first_load_is_one_no_other_batch_of_the_feed_can_have_left_a_fact_from() -> None:
    feed = Feed.objects.get(code="healthcare_medical")

    def batch(status: str, created: int = 0, code: str = "healthcare_medical") -> ImportBatch:
        return ImportBatch.objects.create(
            feed=Feed.objects.get(code=code), file_name="f.csv", status=status, rows_created=created
        )

    this = batch("running")
    assert first_load(this)
    # Nothing of a failed batch lands; one finished with nothing new left nothing; another
    # feed's facts never fill this feed's slots.
    batch("failed", 0)
    batch("succeeded", 0)
    batch("partial", 0)
    batch("succeeded", 5, code="police_hukou")
    assert first_load(this)
    for status, created in (("partial", 1), ("succeeded", 3), ("running", 0), ("pending", 0)):
        other = batch(status, created)
        assert not first_load(this), status
        other.delete()
    assert ImportBatch.objects.filter(feed=feed).count() == 4


def test_a_first_load_fails_when_another_batch_of_the_feed_lands_meanwhile(
    tmp_path: Path,
) -> None:
    rows = register(tmp_path, "002921", size=2)
    headers = ["身份证号码", "结算日期", "自付金额", "单据号", "就诊类型", "医疗机构"]
    path = write_csv(
        tmp_path / "bills.csv",
        headers,
        [[rows[0][0], "2025-04-01", "100", "MZ-1", "门诊", "万州区人民医院"]],
    )
    feed = Feed.objects.get(code="healthcare_medical")

    def another_lands(_counters: Any) -> None:
        # Another batch of the feed, started after this one, done before it: its facts were
        # never looked up by this one.
        ImportBatch.objects.create(
            feed=feed, file_name="other.csv", status="succeeded", rows_created=1
        )

    batch = run_import(feed_code="healthcare_medical", path=path, by=None, progress=another_lands)

    assert batch.status == "failed"
    assert "另一批次已完成导入" in batch.message and "请重新导入" in batch.message
    assert not Expenditure.objects.exists()
    again = run_import(feed_code="healthcare_medical", path=path, by=None)
    assert (again.status, again.rows_created) == ("succeeded", 1)
