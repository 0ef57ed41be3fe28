"""Registry services: ID checks, dedupe by keyed hash, counting rules, moves/split/merge, facts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from minzheng.audit.models import AuditEvent
from minzheng.registry import pii, selectors, services
from minzheng.registry.models import (
    Expenditure,
    Feed,
    Household,
    ImportBatch,
    Income,
    Membership,
    Person,
)
from minzheng.registry.services.fingerprints import fact_fingerprint, fingerprint
from tests.registry import factories as f

pytestmark = pytest.mark.django_db


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def worker(divisions):
    return f.worker()


@pytest.fixture
def batch(divisions):
    feed = Feed.objects.create(code="rsj-test", name="人社局就业失业数据")
    return ImportBatch.objects.create(feed=feed, file_name="就业.xlsx", file_sha256="0" * 64)


# --- persons ---------------------------------------------------------------------------------


def test_register_stores_the_number_encrypted_hashed_and_masked_and_derives_birth_and_sex(worker):
    number = f.make_id_number(date(1975, 2, 28), "F")
    person, created = services.person_register(by=worker, id_number=number, name="李四")
    assert created is True
    assert person.birth_date == date(1975, 2, 28)
    assert person.sex == "F"
    assert number not in person.id_number_encrypted
    assert pii.decrypt(person.id_number_encrypted) == number
    assert person.id_number_hash == pii.lookup_hash(number)
    assert person.id_number_masked == number[:6] + "********" + number[14:]
    person.refresh_from_db()
    assert person.id_number_last4 == number[14:]
    assert person.field_sources["name"]["user"] == worker.username
    [event] = events("person.register")
    assert event.subject_key == person.id_number_hash
    assert number not in str(event.after)


def test_fifteen_digit_and_lowercase_x_numbers_are_accepted(worker):
    person, _ = services.person_register(by=worker, id_number="110105491231002", name="王五")
    assert pii.decrypt(person.id_number_encrypted) == "11010519491231002X"
    again, created = services.person_register(
        by=worker, id_number="11010519491231002x", name="王五"
    )
    assert (again.pk, created) == (person.pk, False)


def test_a_bad_check_character_is_refused_with_the_reason_in_chinese(worker):
    number = f.make_id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.person_register(by=worker, id_number=wrong, name="赵六")
    assert "校验位错误" in exc.value.message_dict["id_number"][0]
    assert Person.objects.count() == 0


def test_a_birth_date_or_sex_contradicting_the_number_is_refused(worker):
    number = f.make_id_number(date(1990, 1, 1), "M")
    with pytest.raises(ValidationError) as exc:
        services.person_register(
            by=worker, id_number=number, name="钱七", birth_date=date(1990, 1, 2)
        )
    assert "与身份证号码不符" in exc.value.message_dict["birth_date"][0]
    with pytest.raises(ValidationError) as exc:
        services.person_register(by=worker, id_number=number, name="钱七", sex="F")
    assert "与身份证号码不符" in exc.value.message_dict["sex"][0]
    assert Person.objects.count() == 0
    _person, created = services.person_register(
        by=worker, id_number=number, name="钱七", birth_date=date(1990, 1, 1), sex="M"
    )
    assert created is True


def test_registering_again_finds_the_person_by_hash_and_records_what_changed(worker, batch):
    number = f.make_id_number()
    person, _ = services.person_register(by=worker, id_number=number, name="孙八")
    again, created = services.person_register(
        by=None, id_number=number, name="孙八", source=batch, employment_status="unemployed"
    )
    assert created is False
    assert again.pk == person.pk
    assert Person.objects.count() == 1
    assert again.employment_status == "unemployed"
    assert again.field_sources["employment_status"]["batch"] == batch.pk
    assert again.field_sources["employment_status"]["feed"] == "rsj-test"
    [update] = events("person.update")
    assert update.before == {"employment_status": ""}
    assert update.after == {"employment_status": "unemployed"}
    services.person_register(by=worker, id_number=number, name="孙八")
    assert len(events("person.update")) == 1  # nothing changed, nothing written


# --- households and counting -------------------------------------------------------------------


def test_household_create_numbers_by_village_and_makes_the_head_a_member(worker):
    first = f.household(worker)
    second = f.household(worker, head=f.person(worker, name="户主乙"))
    assert first.number == f.VILLAGE + "000001"
    assert second.number == f.VILLAGE + "000002"
    [membership] = Membership.objects.filter(household=first)
    assert (membership.relation, membership.person_id) == ("head", first.head_id)
    assert membership.entered_by == worker
    assert len(events("household.create")) == 2


def test_members_living_apart_or_dead_are_recorded_but_not_counted(worker):
    since = timezone.localdate() - timedelta(days=30)
    home = f.household(worker, on=since)
    spouse = f.person(worker, name="配偶", sex="F")
    son = f.person(worker, name="儿子", birth=date(2010, 3, 1))
    prisoner = f.person(worker, name="服刑者", birth=date(1985, 1, 1))
    monk = f.person(worker, name="教职人员", birth=date(1970, 1, 1))
    services.member_add(by=worker, household=home, person=spouse, relation="spouse", on=since)
    services.member_add(by=worker, household=home, person=son, relation="child", on=since)
    services.member_add(
        by=worker,
        household=home,
        person=prisoner,
        relation="child",
        apart_reason="prison",
        on=since,
    )
    services.member_add(
        by=worker,
        household=home,
        person=monk,
        relation="sibling",
        apart_reason="clergy_apart",
        on=since,
    )
    counted = {m.person.name for m in services.counted_members(home)}
    assert counted == {"户主甲", "配偶", "儿子"}
    assert selectors.recorded_members(home).count() == 5
    prisoner_membership = Membership.objects.get(person=prisoner)
    assert selectors.member_status(prisoner_membership).reason == "服刑人员"

    services.fact_record(
        by=worker,
        kind="life_event",
        person=spouse,
        values={"kind": "death", "date": timezone.localdate() - timedelta(days=3)},
    )
    spouse.refresh_from_db()
    assert spouse.life_status == "deceased"
    assert {m.person.name for m in services.counted_members(home)} == {"户主甲", "儿子"}
    # On a day before the death the spouse still counts.
    week_ago = timezone.localdate() - timedelta(days=7)
    assert "配偶" in {m.person.name for m in services.counted_members(home, on=week_ago)}


def test_a_person_belongs_to_one_household_and_a_household_to_one_head(worker):
    home = f.household(worker)
    other = f.household(worker, head=f.person(worker, name="户主乙"))
    assert home.head is not None
    with pytest.raises(ValidationError) as exc:
        services.member_add(by=worker, household=other, person=home.head, relation="parent")
    assert "已是家庭" in exc.value.message_dict["person"][0]
    with pytest.raises(ValidationError):
        services.member_add(
            by=worker, household=home, person=f.person(worker, name="新人"), relation="head"
        )


def test_member_move_ends_one_membership_starts_the_next_and_is_audited(worker):
    home = f.household(worker)
    other = f.household(worker, village=f.VILLAGE_2, head=f.person(worker, name="户主乙"))
    daughter = f.person(worker, name="女儿", sex="F", birth=date(2000, 1, 1))
    membership = services.member_add(by=worker, household=home, person=daughter, relation="child")
    moved = services.member_move(
        by=worker, membership=membership, to_household=other, relation="spouse", reason="结婚"
    )
    membership.refresh_from_db()
    assert membership.valid_to == timezone.localdate()
    assert moved.household == other
    assert "女儿" not in {m.person.name for m in services.counted_members(home)}
    assert "女儿" in {m.person.name for m in services.counted_members(other)}
    [event] = events("household.member.move")
    assert event.object_id == str(other.pk)
    assert event.before is not None
    assert event.before["household"] == home.number
    assert event.reason == "结婚"
    assert event.subject_key == daughter.id_number_hash


def test_the_head_cannot_move_out_while_others_remain(worker):
    home = f.household(worker)
    other = f.household(worker, head=f.person(worker, name="户主乙"))
    head_membership = Membership.objects.get(household=home, relation="head")
    with pytest.raises(ValidationError):
        services.member_move(
            by=worker, membership=head_membership, to_household=other, relation="parent"
        )


def test_split_moves_the_chosen_members_into_a_new_household(worker):
    home = f.household(worker)
    son = f.person(worker, name="儿子", birth=date(1995, 6, 1))
    daughter_in_law = f.person(worker, name="儿媳", sex="F", birth=date(1996, 6, 1))
    services.member_add(by=worker, household=home, person=son, relation="child")
    services.member_add(by=worker, household=home, person=daughter_in_law, relation="other")
    new = services.household_split(
        by=worker,
        household=home,
        members=[(son, "head"), (daughter_in_law, "spouse")],
        reason="儿子婚后分户",
    )
    assert new.head == son
    assert new.number == f.VILLAGE + "000002"
    assert {m.person.name for m in services.counted_members(home)} == {"户主甲"}
    assert {m.person.name for m in services.counted_members(new)} == {"儿子", "儿媳"}
    [split] = events("household.split")
    assert split.object_id == str(home.pk)
    assert split.after is not None
    assert split.after["new_household"] == new.number
    assert split.reason == "儿子婚后分户"
    assert home.head is not None
    with pytest.raises(ValidationError):
        services.household_split(
            by=worker, household=home, members=[(home.head, "head")], reason="x"
        )


def test_merge_closes_the_merged_household_with_superseded_by(worker):
    home = f.household(worker)
    widow = f.person(worker, name="独居老人", sex="F", birth=date(1940, 1, 1))
    lonely = f.household(worker, head=widow)
    into = services.household_merge(
        by=worker, household=lonely, into=home, relations={widow.pk: "parent"}, reason="随子女生活"
    )
    lonely.refresh_from_db()
    assert into == home
    assert lonely.closed_at is not None
    assert lonely.superseded_by == home
    assert {m.person.name for m in services.counted_members(home)} == {"户主甲", "独居老人"}
    assert Membership.objects.get(household=home, person=widow).relation == "parent"
    assert [e.object_id for e in events("household.merge")] == [str(lonely.pk)]
    assert [e.object_id for e in events("household.merge.receive")] == [str(home.pk)]
    with pytest.raises(ValidationError):
        services.member_add(
            by=worker, household=lonely, person=f.person(worker, name="新人"), relation="child"
        )


def test_member_change_keeps_the_history_of_living_apart(worker):
    home = f.household(worker, on=timezone.localdate() - timedelta(days=400))
    son = f.person(worker, name="儿子", birth=date(1990, 1, 1))
    membership = services.member_add(
        by=worker,
        household=home,
        person=son,
        relation="child",
        on=timezone.localdate() - timedelta(days=400),
    )
    services.member_change(
        by=worker, membership=membership, apart_reason="prison", reason="判决入狱"
    )
    assert Membership.objects.filter(person=son).count() == 2
    assert "儿子" not in {m.person.name for m in services.counted_members(home)}
    last_year = timezone.localdate() - timedelta(days=200)
    assert "儿子" in {m.person.name for m in services.counted_members(home, on=last_year)}
    [event] = events("household.member.change")
    assert event.before is not None
    assert event.after is not None
    assert (event.before["apart_reason"], event.after["apart_reason"]) == ("", "prison")


def test_set_head_hands_over_and_keeps_one_head(worker):
    home = f.household(worker)
    wife = f.person(worker, name="妻子", sex="F")
    services.member_add(by=worker, household=home, person=wife, relation="spouse")
    services.household_set_head(
        by=worker, household=home, person=wife, former_head_relation="spouse", reason="原户主外出"
    )
    home.refresh_from_db()
    assert home.head == wife
    heads = [m for m in selectors.recorded_members(home) if m.relation == "head"]
    assert [m.person.name for m in heads] == ["妻子"]


def test_a_worker_cannot_write_outside_their_scope(worker):
    stranger = f.worker(division_code="500237")
    home = f.household(worker)
    with pytest.raises(PermissionDenied):
        services.member_add(
            by=stranger, household=home, person=f.person(worker, name="外人"), relation="other"
        )
    with pytest.raises(PermissionDenied):
        services.household_create(
            by=stranger, division=f.division(f.VILLAGE), head=f.person(worker, name="外人二")
        )


# --- facts -------------------------------------------------------------------------------------


def _income(person, amount, **extra):
    values = {
        "kind": "wage",
        "amount": Decimal(amount),
        "period_start": date(2024, 1, 1),
        "period_end": date(2024, 12, 31),
    }
    return {"kind": "income", "person": person, "values": values, **extra}


def test_the_same_fact_twice_is_stored_once_and_a_new_value_supersedes(worker):
    home = f.household(worker)
    first = services.fact_record(by=worker, **_income(home.head, "36000"))
    again = services.fact_record(by=worker, **_income(home.head, "36000.00"))
    assert (first.created, again.created, again.fact.pk) == (True, False, first.fact.pk)
    assert Income.objects.count() == 1
    assert first.fact.household == home
    assert first.fact.entered_by == worker

    corrected = services.fact_record(by=worker, **_income(home.head, "30000"))
    assert corrected.created is True
    assert [s.pk for s in corrected.superseded] == [first.fact.pk]
    first.fact.refresh_from_db()
    assert first.fact.closed_at is not None
    assert Income.objects.filter(closed_at__isnull=True).count() == 1
    records = events("income.record")
    assert len(records) == 2
    assert records[1].before is not None
    assert records[1].after is not None
    assert records[1].before["amount"] == "36000.00"
    assert records[1].after["amount"] == "30000.00"

    back = services.fact_record(by=worker, **_income(home.head, "36000"))
    assert back.created is True  # A → B → A is recorded again under a restated fingerprint
    assert Income.objects.filter(closed_at__isnull=True).get().amount == Decimal("36000.00")


def test_facts_from_a_batch_carry_the_batch_and_do_not_replace_a_workers_entry(worker, batch):
    home = f.household(worker)
    by_worker = services.fact_record(by=worker, **_income(home.head, "36000"))
    from_feed = services.fact_record(by=None, source=batch, **_income(home.head, "35000"))
    assert from_feed.created is True
    assert from_feed.fact.source_batch == batch
    assert from_feed.fact.entered_by is None
    assert from_feed.superseded == []
    by_worker.fact.refresh_from_db()
    assert by_worker.fact.closed_at is None
    source = selectors.fact_source(from_feed.fact)
    assert (source.kind, source.label, source.batch_id) == ("batch", "人社局就业失业数据", batch.pk)


def test_bad_fact_values_are_refused_in_chinese(worker):
    home = f.household(worker)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.fact_record(
            by=worker,
            kind="expenditure",
            person=home.head,
            values={"kind": "medical", "amount": Decimal("-5"), "date": date(2025, 1, 1)},
        )
    assert exc.value.message_dict["amount"] == ["不能为负数"]
    with pytest.raises(ValidationError) as exc:
        services.fact_record(
            by=worker,
            kind="life_event",
            person=home.head,
            values={"kind": "hospitalisation", "date": tomorrow},
        )
    assert "晚于今天" in exc.value.message_dict["date"][0]
    with pytest.raises(ValidationError):
        services.fact_record(
            by=worker,
            kind="asset",
            person=home.head,
            values={"kind": "spaceship", "as_of": date(2025, 1, 1)},
        )
    with pytest.raises(ValidationError) as exc:
        services.fact_record(
            by=worker,
            kind="asset",
            person=home.head,
            values={"kind": "home", "as_of": date(2025, 1, 1), "value": Decimal("300000")},
        )
    assert "建筑面积" in exc.value.message_dict["floor_area"][0]
    assert Expenditure.objects.count() == 0


def test_enrolments_belong_to_the_household_and_fact_close_withdraws_with_a_reason(worker):
    home = f.household(worker)
    enrolled = services.fact_record(
        by=worker,
        kind="enrolment",
        person=None,
        household=home,
        values={
            "programme": "dibao",
            "start_date": date(2024, 7, 1),
            "monthly_amount": Decimal("630"),
        },
    )
    assert enrolled.fact.household == home
    with pytest.raises(ValidationError):
        services.fact_close(by=worker, fact=enrolled.fact, reason=" ")
    services.fact_close(by=worker, fact=enrolled.fact, reason="录入错误")
    enrolled.fact.refresh_from_db()
    assert enrolled.fact.closed_at is not None
    [event] = events("enrolment.close")
    assert event.reason == "录入错误"


def test_reveal_needs_a_purpose_and_the_permission_and_writes_an_access_event(worker):
    home = f.household(worker)
    head = home.head
    assert head is not None
    number = pii.decrypt(head.id_number_encrypted)
    with pytest.raises(ValidationError):
        services.person_reveal_id_number(by=worker, person=head, purpose="  ")
    viewer = f.worker(actions=("household.view",))
    with pytest.raises(PermissionDenied):
        services.person_reveal_id_number(by=viewer, person=head, purpose="入户核查")
    assert events("pii.view") == []
    assert services.person_reveal_id_number(by=worker, person=head, purpose="入户核查") == number
    [event] = events("pii.view")
    assert (event.reason, event.subject_key, event.actor_id) == (
        "入户核查",
        head.id_number_hash,
        worker.pk,
    )


# --- fingerprints ------------------------------------------------------------------------------


def test_fingerprints_normalise_values_and_ignore_keyword_order():
    a = fact_fingerprint(
        "income",
        source="feed:rsj",
        person="h",
        kind="wage",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        amount=Decimal("1200"),
    )
    b = fact_fingerprint(
        "income",
        amount=1200,
        period_end=date(2024, 12, 31),
        period_start=date(2024, 1, 1),
        kind=" wage ",
        person="h",
        source="feed:rsj",
    )
    assert a == b
    assert len(a) == 64
    assert a != fingerprint("income", "feed:other", "h", "wage", "2024-01-01", "2024-12-31", 1200)
    with pytest.raises(ValueError):
        fact_fingerprint("income", source="worker", amout=1)


def test_household_numbers_continue_after_the_highest_in_the_village(worker):
    Household.objects.create(number=f.VILLAGE + "000041", division=f.division(f.VILLAGE))
    assert services.household_number_next(f.division(f.VILLAGE)) == f.VILLAGE + "000042"
