"""Registry reads: search by every key within scope, detail with sources, timeline, counters."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.audit.models import AuditEvent
from minzheng.divisions import counters
from minzheng.divisions.signals import division_rehomed
from minzheng.registry import pii, selectors, services
from minzheng.registry.models import Feed, Household, ImportBatch
from tests.registry import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(divisions):
    return f.worker()


@pytest.fixture
def town(worker):
    """Two households in 高笋塘街道, one in 太白村 (another township), one in 巫山县."""
    wang = f.household(
        worker, head=f.person(worker, name="王建国"), address="万州区高笋塘街道东方广场1号"
    )
    services.member_add(
        by=worker,
        household=wang,
        person=f.person(worker, name="李秀英", sex="F", birth=date(1982, 3, 4)),
        relation="spouse",
    )
    zhang = f.household(
        worker, village=f.VILLAGE_2, head=f.person(worker, name="张伟"), address="乌龙池路8号"
    )
    rural = f.household(
        None, village=f.RURAL_VILLAGE, head=f.person(None, name="王德明"), address="太白村三组"
    )
    far = f.household(
        None,
        village=f.OTHER_COUNTY_VILLAGE,
        head=f.person(None, name="王远方"),
        address="巫山县高唐街道",
    )
    return {"wang": wang, "zhang": zhang, "rural": rural, "far": far}


def numbers(qs):
    return [h.number for h in qs]


def test_search_stays_in_scope_and_finds_by_name_prefix(worker, town):
    assert numbers(selectors.household_search(user=worker, q="王")) == [town["wang"].number]
    county = f.worker(division_code="500101")
    assert numbers(selectors.household_search(user=county, q="王")) == sorted(
        [town["wang"].number, town["rural"].number]
    )
    city = f.worker(division_code="500000", actions=("household.view",))
    assert len(numbers(selectors.household_search(user=city, q="王"))) == 3
    nobody = f.worker(actions=("pii.view_full",))
    assert numbers(selectors.household_search(user=nobody, q="")) == []


def test_search_by_any_member_full_id_masked_id_and_last_four(worker, town):
    spouse = next(
        m.person for m in selectors.recorded_members(town["wang"]) if m.relation == "spouse"
    )
    number = pii.decrypt(spouse.id_number_encrypted)
    assert numbers(selectors.household_search(user=worker, q=number)) == [town["wang"].number]
    assert numbers(selectors.household_search(user=worker, q=number.lower())) == [
        town["wang"].number
    ]
    assert numbers(selectors.household_search(user=worker, q=spouse.id_number_masked)) == [
        town["wang"].number
    ]
    # Looked up through the last four characters, then the whole masked number: a number of
    # another region ending alike is not this person's.
    elsewhere = "510101" + spouse.id_number_masked[6:]
    assert selectors.read_query(elsewhere).kind == "masked"
    assert numbers(selectors.household_search(user=worker, q=elsewhere)) == []
    last4 = number[-4:]
    assert town["wang"].number in numbers(selectors.household_search(user=worker, q=last4))
    assert selectors.read_query(last4).kind == "last4"
    assert selectors.read_query(" " + number + " ").kind == "id"


def test_search_by_number_address_division_and_area_type(worker, town):
    county = f.worker(division_code="500101")
    wang = town["wang"].number
    assert numbers(selectors.household_search(user=county, q=wang[:11])) == sorted(
        [town["wang"].number, town["zhang"].number]
    )
    assert numbers(selectors.household_search(user=county, q="太白村三组")) == [
        town["rural"].number
    ]
    assert numbers(selectors.household_search(user=county, q="东方广场")) == [wang]
    taibai = f.division("500101017")
    assert numbers(selectors.household_search(user=county, division=taibai)) == [
        town["rural"].number
    ]
    assert numbers(selectors.household_search(user=county, area_type="rural")) == [
        town["rural"].number
    ]


def test_search_by_programme_and_closed_households_left_out(worker, town):
    services.fact_record(
        by=worker,
        kind="enrolment",
        person=None,
        household=town["zhang"],
        values={"programme": "dibao", "start_date": date(2024, 1, 1)},
    )
    assert numbers(selectors.household_search(user=worker, programme="dibao")) == [
        town["zhang"].number
    ]
    services.household_merge(by=worker, household=town["zhang"], into=town["wang"], reason="合户")
    assert town["zhang"].number not in numbers(selectors.household_search(user=worker))
    assert town["zhang"].number in numbers(
        selectors.household_search(user=worker, include_closed=True)
    )


def test_rows_count_recorded_and_counted_members_and_programmes(worker, town):
    son = f.person(worker, name="王小军", birth=date(2000, 1, 1))
    services.member_add(
        by=worker, household=town["wang"], person=son, relation="child", apart_reason="prison"
    )
    services.fact_record(
        by=worker,
        kind="enrolment",
        person=None,
        household=town["wang"],
        values={"programme": "near_dibao", "start_date": date(2024, 1, 1)},
    )
    [row] = selectors.household_rows([town["wang"]])
    assert (row.members_recorded, row.members_counted) == (3, 2)
    assert row.programmes == ["低保边缘家庭"]
    assert row.head_name == "王建国"
    assert (row.village, row.township) == ("东方广场社区居民委员会", "高笋塘街道")


def test_household_detail_shows_each_fact_with_its_source(worker, town):
    feed = Feed.objects.create(code="yb-test", name="医保局医疗费用数据")
    batch = ImportBatch.objects.create(feed=feed, file_name="医疗.csv", file_sha256="1" * 64)
    head = town["wang"].head
    services.fact_record(
        by=None,
        source=batch,
        kind="expenditure",
        person=head,
        values={"kind": "medical", "amount": Decimal("12000"), "date": date(2025, 3, 1)},
    )
    services.fact_record(
        by=worker,
        kind="income",
        person=head,
        values={
            "kind": "scholarship",
            "amount": Decimal("500"),
            "period_start": date(2024, 9, 1),
            "period_end": date(2024, 9, 30),
        },
    )
    detail = selectors.household_detail(household=town["wang"])
    assert [m.relation for m in detail.members] == ["户主", "配偶"]
    assert detail.counted_count == 2
    [spending] = detail.expenditures
    assert spending.source.text.startswith("医保局医疗费用数据 · 批次")
    [income] = detail.incomes
    assert income.source.kind == "worker"
    assert income.note == "不计入收入"
    assert detail.area_type == "城市"


def test_person_detail_names_the_source_of_each_attribute(worker):
    feed = Feed.objects.create(code="cl-test", name="残联残疾人证数据")
    batch = ImportBatch.objects.create(feed=feed, file_name="残疾.xlsx", file_sha256="2" * 64)
    person = f.person(worker, name="周敏")
    person = services.person_update(
        by=None, person=person, source=batch, disability_kind="physical", disability_grade=2
    )
    detail = selectors.person_detail(person=person)
    by_name = {a.name: a for a in detail.attributes}
    assert by_name["disability_grade"].value == "二级"
    assert by_name["disability_grade"].source.label == "残联残疾人证数据"
    assert by_name["name"].source.kind == "worker"
    assert by_name["id_number"].value == person.id_number_masked


def test_timeline_merges_memberships_facts_and_audit_events_in_date_order(worker, town):
    home = town["wang"]
    services.fact_record(
        by=worker,
        kind="life_event",
        person=home.head,
        values={"kind": "hospitalisation", "date": timezone.localdate() - timedelta(days=10)},
    )
    entries = selectors.household_timeline(household=home)
    categories = {e.category for e in entries}
    assert {"membership", "life_event", "audit"} <= categories
    assert [e.sort_key for e in entries] == sorted(e.sort_key for e in entries)
    titles = [e.title for e in entries if e.category == "audit"]
    assert "建立家庭档案" in titles
    assert "新增家庭成员" in titles
    assert "记录生活事件" in titles


def test_later_apps_add_timeline_providers(worker, town):
    @selectors.register_provider("test-cases")
    def cases(household, members):
        yield selectors.TimelineEntry(when=date(2020, 1, 1), category="case", title="受理申请")

    try:
        entries = selectors.household_timeline(household=town["wang"])
        assert entries[0].title == "受理申请"
    finally:
        from minzheng.registry.selectors import timeline

        timeline.PROVIDERS.pop("test-cases")


def test_division_browser_counts_households_and_people(worker, town):
    wanzhou = f.division("500101")
    totals = counters.subtree_totals([wanzhou.path])[wanzhou.path]
    assert totals["households"] == 3
    assert totals["persons"] == 4


def test_a_retired_village_hands_its_open_households_to_its_successor(worker, town):
    old, new = f.division(f.VILLAGE), f.division(f.VILLAGE_2)
    division_rehomed.send(sender=None, old=old, new=new, change=None)
    wang = Household.objects.get(pk=town["wang"].pk)
    assert wang.division == new
    event = AuditEvent.objects.get(action="household.rehome", object_id=str(wang.pk))
    assert (event.before, event.after) == ({"division": f.VILLAGE}, {"division": f.VILLAGE_2})
