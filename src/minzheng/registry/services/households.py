"""Writes to households: create, members in and out, moves, head changes, split and merge.

Memberships are facts: a member leaving ends the membership (``valid_to``, the first day it no
longer holds); a change of relation or of the reason a member lives apart ends one membership
and starts the next, so the history stays readable. A person belongs to one household at a time
(a database constraint). Every function is audited against the household it changes, with the
person's keyed hash as subject key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from minzheng.audit.services import record_event
from minzheng.divisions.models import Division
from minzheng.engine import schema
from minzheng.registry.models import Household, ImportBatch, Membership, Person
from minzheng.registry.selectors.scope import current_memberships_q
from minzheng.registry.services._common import (
    EDIT_ACTION,
    UNSET,
    Maybe,
    _Unset,
    ensure_may,
    source_fields,
    source_key,
)
from minzheng.registry.services.fingerprints import fact_fingerprint
from minzheng.registry.services.persons import person_update

HOUSEHOLD_FIELDS = ("number", "division", "area_type", "address", "head", "closed_at")
NUMBER_SERIAL_DIGITS = 6


# --- helpers ---------------------------------------------------------------------------------


def _today(on: date | None) -> date:
    return on or timezone.localdate()


def _household_snapshot(household: Household) -> dict[str, Any]:
    return {
        "number": household.number,
        "division": household.division.code,
        "area_type": household.area_type,
        "address": household.address,
        "head": household.head.id_number_masked if household.head is not None else "",
        "closed_at": household.closed_at,
        "superseded_by": household.superseded_by.number if household.superseded_by else "",
    }


def _member_snapshot(membership: Membership) -> dict[str, Any]:
    return {
        "household": membership.household.number,
        "person": membership.person.id_number_masked,
        "name": membership.person.name,
        "relation": membership.relation,
        "apart_reason": membership.apart_reason,
        "valid_from": membership.valid_from,
        "valid_to": membership.valid_to,
    }


def _require_open(household: Household, field: str = "household") -> None:
    if household.closed_at is not None:
        raise ValidationError({field: f"家庭{household.number}已注销，不能再变更成员"})


def _require_village(division: Division) -> None:
    if division.level != Division.Level.VILLAGE:
        raise ValidationError({"division": "家庭须登记在村(社区)一级"})
    if division.valid_to is not None:
        raise ValidationError({"division": f"{division.name}已撤销，请选择现行的村(社区)"})


def _check_relation(relation: str) -> None:
    if relation not in schema.RELATIONS:
        raise ValidationError({"relation": f"未知的与户主关系：{relation}"})


def _check_apart_reason(apart_reason: str) -> None:
    if apart_reason not in schema.APART_REASONS:
        raise ValidationError({"apart_reason": f"未知的不计入原因：{apart_reason}"})


def _current_membership(person: Person) -> Membership | None:
    return (
        Membership.objects.select_related("household")
        .filter(current_memberships_q(), person=person)
        .first()
    )


def _require_free(person: Person) -> None:
    current = _current_membership(person)
    if current is not None:
        raise ValidationError(
            {
                "person": f"{person.name}已是家庭{current.household.number}的成员，"
                "请使用“成员迁移”把其迁入本家庭"
            }
        )


def _new_membership(
    *,
    by: Any,
    household: Household,
    person: Person,
    relation: str,
    apart_reason: str,
    on: date,
    source: ImportBatch | None,
    moved_from: Household | None = None,
) -> Membership:
    """Start a membership. The person's residence follows the household's village when it was
    not recorded, or was the village of the household they came from (``moved_from``)."""
    _check_relation(relation)
    _check_apart_reason(apart_reason)
    # The same fingerprint for a membership stated again after one ended (``Membership``).
    fingerprint = fact_fingerprint(
        "membership",
        source=source_key(source=source),
        household=household,
        person=person,
        valid_from=on,
        relation=relation,
        apart_reason=apart_reason,
    )
    membership = Membership(
        household=household,
        person=person,
        relation=relation,
        apart_reason=apart_reason,
        valid_from=on,
        fingerprint=fingerprint,
        **source_fields(by=by, source=source),
    )
    membership.full_clean()
    membership.save()
    residence = person.residence_division_id
    follows = residence is None or (moved_from is not None and residence == moved_from.division_id)
    if follows and residence != household.division_id:
        membership.person = person_update(
            by=by,
            person=person,
            source=source,
            residence_division=household.division,
            reason=f"记入家庭{household.number}",
        )
    return membership


def _end_membership(membership: Membership, on: date) -> None:
    if membership.valid_from is not None and on < membership.valid_from:
        raise ValidationError({"on": f"终止日期早于该成员的起始日期{membership.valid_from}"})
    membership.valid_to = on
    membership.full_clean()
    membership.save(update_fields=["valid_to"])


def _standing(membership: Membership) -> Membership:
    """Reload ``membership`` locked, refusing one that has ended or was closed."""
    fresh = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("household", "person")
        .get(pk=membership.pk)
    )
    if fresh.closed_at is not None or fresh.valid_to is not None:
        raise ValidationError({"membership": "该成员关系已终止"})
    return fresh


def household_number_next(division: Division) -> str:
    """The next free household number in a village: its 12-digit code and a 6-digit serial."""
    prefix = division.code
    last = (
        Household.objects.filter(
            number__gte=prefix + "0" * NUMBER_SERIAL_DIGITS,
            number__lte=prefix + "9" * NUMBER_SERIAL_DIGITS,
        )
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{serial:0{NUMBER_SERIAL_DIGITS}d}"


# --- households ------------------------------------------------------------------------------


def household_create(
    *,
    by: Any,
    division: Division,
    head: Person,
    address: str = "",
    area_type: str = "",
    number: str = "",
    on: date | None = None,
    source: ImportBatch | None = None,
) -> Household:
    """Create a household in a village with ``head`` as its first member (relation ``head``).

    ``number`` defaults to the village code and the next serial. The head must not belong to
    another household at the time (move them instead). Audited as ``household.create``.
    """
    ensure_may(by, EDIT_ACTION, division)
    _require_village(division)
    on = _today(on)
    with transaction.atomic():
        _require_free(head)
        household = Household(
            number=number.strip() or household_number_next(division),
            division=division,
            area_type=area_type,
            address=address.strip(),
            head=head,
            source_batch=source,
        )
        household.full_clean()
        household.save()
        _new_membership(
            by=by,
            household=household,
            person=head,
            relation="head",
            apart_reason="",
            on=on,
            source=source,
        )
        record_event(
            actor=by,
            action="household.create",
            obj=household,
            after=_household_snapshot(household),
            subject_key=head.id_number_hash,
        )
    return household


def household_update(
    *,
    by: Any,
    household: Household,
    address: Maybe[str] = UNSET,
    area_type: Maybe[str] = UNSET,
    division: Maybe[Division] = UNSET,
    reason: str = "",
) -> Household:
    """Change a household's address, area type or village. Audited as ``household.update``."""
    ensure_may(by, EDIT_ACTION, household.division)
    with transaction.atomic():
        household = Household.objects.select_for_update(of=("self",)).get(pk=household.pk)
        _require_open(household)
        before = _household_snapshot(household)
        if not isinstance(division, _Unset):
            ensure_may(by, EDIT_ACTION, division)
            _require_village(division)
            household.division = division
        if not isinstance(address, _Unset):
            household.address = address.strip()
        if not isinstance(area_type, _Unset):
            household.area_type = area_type
        household.full_clean()
        household.save()
        after = _household_snapshot(household)
        changed = [k for k in after if after[k] != before[k]]
        if changed:
            record_event(
                actor=by,
                action="household.update",
                obj=household,
                before={k: before[k] for k in changed},
                after={k: after[k] for k in changed},
                reason=reason,
            )
    return household


def household_set_head(
    *,
    by: Any,
    household: Household,
    person: Person,
    former_head_relation: str = "other",
    on: date | None = None,
    reason: str = "",
) -> Household:
    """Make ``person`` (a current member) the head; the former head keeps another relation.

    Both memberships end on ``on`` and start again with the new relations. Audited as
    ``household.head.change``.
    """
    ensure_may(by, EDIT_ACTION, household.division)
    on = _today(on)
    if former_head_relation == "head":
        raise ValidationError({"former_head_relation": "原户主须改为其他关系"})
    with transaction.atomic():
        household = (
            Household.objects.select_for_update(of=("self",))
            .select_related("head")
            .get(pk=household.pk)
        )
        _require_open(household)
        current = {
            m.person_id: m
            for m in Membership.objects.select_for_update(of=("self",))
            .select_related("person", "household")
            .filter(current_memberships_q(), household=household)
        }
        new_head = current.get(person.pk)
        if new_head is None:
            raise ValidationError({"person": f"{person.name}不是本家庭的现有成员"})
        if new_head.relation == "head":
            return household
        before = _household_snapshot(household)
        for membership in current.values():
            if membership.relation == "head":
                _end_membership(membership, on)
                _new_membership(
                    by=by,
                    household=household,
                    person=membership.person,
                    relation=former_head_relation,
                    apart_reason=membership.apart_reason,
                    on=on,
                    source=None,
                )
        _end_membership(new_head, on)
        _new_membership(
            by=by,
            household=household,
            person=new_head.person,
            relation="head",
            apart_reason=new_head.apart_reason,
            on=on,
            source=None,
        )
        household.head = new_head.person
        household.save(update_fields=["head"])
        record_event(
            actor=by,
            action="household.head.change",
            obj=household,
            before={"head": before["head"]},
            after={"head": new_head.person.id_number_masked, "on": on},
            reason=reason,
            subject_key=new_head.person.id_number_hash,
        )
    return household


# --- members ---------------------------------------------------------------------------------


def member_add(
    *,
    by: Any,
    household: Household,
    person: Person,
    relation: str,
    apart_reason: str = "",
    on: date | None = None,
    source: ImportBatch | None = None,
) -> Membership:
    """Record ``person`` as a member of ``household`` from ``on`` (today by default).

    ``apart_reason`` (programmes.md §0: ``prison``, ``drug_rehabilitation``, ``clergy_apart``,
    ``missing``) records a member who is kept but not counted. The person must not belong to
    another household (use ``member_move``); a household has one head (use
    ``household_set_head``). Audited as ``household.member.add``.
    """
    ensure_may(by, EDIT_ACTION, household.division)
    on = _today(on)
    with transaction.atomic():
        household = Household.objects.select_for_update(of=("self",)).get(pk=household.pk)
        _require_open(household)
        _require_free(person)
        if relation == "head":
            raise ValidationError({"relation": "本家庭已有户主；如需变更户主请使用“变更户主”"})
        membership = _new_membership(
            by=by,
            household=household,
            person=person,
            relation=relation,
            apart_reason=apart_reason,
            on=on,
            source=source,
        )
        record_event(
            actor=by,
            action="household.member.add",
            obj=household,
            after=_member_snapshot(membership),
            subject_key=person.id_number_hash,
        )
    return membership


def member_change(
    *,
    by: Any,
    membership: Membership,
    relation: Maybe[str] = UNSET,
    apart_reason: Maybe[str] = UNSET,
    on: date | None = None,
    reason: str = "",
    source: ImportBatch | None = None,
) -> Membership:
    """Change a member's relation or the reason they live apart, from ``on``.

    The standing membership ends on ``on`` and a new one starts, so the household's history
    shows when a member went to prison or came back. Audited as ``household.member.change``.
    """
    ensure_may(by, EDIT_ACTION, membership.household.division)
    on = _today(on)
    with transaction.atomic():
        old = _standing(membership)
        _require_open(old.household)
        new_relation = old.relation if isinstance(relation, _Unset) else relation
        new_reason = old.apart_reason if isinstance(apart_reason, _Unset) else apart_reason
        if (new_relation == "head") != (old.relation == "head"):
            raise ValidationError({"relation": "户主的变更请使用“变更户主”"})
        if new_relation == old.relation and new_reason == old.apart_reason:
            return old
        before = _member_snapshot(old)
        _end_membership(old, on)
        new = _new_membership(
            by=by,
            household=old.household,
            person=old.person,
            relation=new_relation,
            apart_reason=new_reason,
            on=on,
            source=source,
        )
        record_event(
            actor=by,
            action="household.member.change",
            obj=old.household,
            before=before,
            after=_member_snapshot(new),
            reason=reason,
            subject_key=old.person.id_number_hash,
        )
    return new


def member_end(
    *, by: Any, membership: Membership, reason: str, on: date | None = None
) -> Membership:
    """End a membership on ``on`` (moved away, left the platform's area …); ``reason`` required.

    The head cannot leave this way while others remain (change the head first). Audited as
    ``household.member.end``.
    """
    ensure_may(by, EDIT_ACTION, membership.household.division)
    if not reason.strip():
        raise ValidationError({"reason": "请说明成员迁出的原因"})
    on = _today(on)
    with transaction.atomic():
        old = _standing(membership)
        _require_open(old.household)
        if old.relation == "head":
            raise ValidationError({"membership": "户主不能直接迁出，请先变更户主"})
        before = _member_snapshot(old)
        _end_membership(old, on)
        record_event(
            actor=by,
            action="household.member.end",
            obj=old.household,
            before=before,
            after=_member_snapshot(old),
            reason=reason,
            subject_key=old.person.id_number_hash,
        )
    return old


def member_move(
    *,
    by: Any,
    membership: Membership,
    to_household: Household,
    relation: str,
    on: date | None = None,
    reason: str = "",
    source: ImportBatch | None = None,
) -> Membership:
    """Move a member to another (open) household from ``on``, with their relation there.

    The head of a household with other members must hand over first; a household's last
    member joins another by ``household_merge``. Audited as ``household.member.move`` on the
    receiving household (``before`` names the household left).
    """
    ensure_may(by, EDIT_ACTION, membership.household.division)
    ensure_may(by, EDIT_ACTION, to_household.division)
    on = _today(on)
    with transaction.atomic():
        old = _standing(membership)
        target = Household.objects.select_for_update(of=("self",)).get(pk=to_household.pk)
        _require_open(target, "to_household")
        if target.pk == old.household_id:
            raise ValidationError({"to_household": "迁入家庭与原家庭相同"})
        if old.relation == "head":
            raise ValidationError(
                {"membership": "户主不能直接迁出：请先变更户主，或把整户并入另一家庭"}
            )
        if relation == "head":
            raise ValidationError({"relation": "迁入家庭已有户主；请以其他关系迁入"})
        before = _member_snapshot(old)
        _end_membership(old, on)
        new = _new_membership(
            by=by,
            household=target,
            person=old.person,
            relation=relation,
            apart_reason=old.apart_reason,
            on=on,
            source=source,
            moved_from=old.household,
        )
        record_event(
            actor=by,
            action="household.member.move",
            obj=target,
            before=before,
            after=_member_snapshot(new),
            reason=reason,
            subject_key=old.person.id_number_hash,
        )
    return new


# --- split and merge -------------------------------------------------------------------------


def household_split(
    *,
    by: Any,
    household: Household,
    members: Sequence[tuple[Person, str]],
    reason: str,
    on: date | None = None,
    address: str | None = None,
    division: Division | None = None,
    number: str = "",
) -> Household:
    """Split ``members`` off ``household`` into a new household (分户) and return it.

    ``members`` pairs each leaving person with their relation in the new household; exactly one
    is ``head``. The old head stays, and at least one member must stay. The new household takes
    the old one's village and address unless given. Audited as ``household.split`` on the old
    household and ``household.create`` on the new.
    """
    ensure_may(by, EDIT_ACTION, household.division)
    if not reason.strip():
        raise ValidationError({"reason": "请说明分户原因"})
    on = _today(on)
    division = division or household.division
    ensure_may(by, EDIT_ACTION, division)
    _require_village(division)
    if not members:
        raise ValidationError({"members": "请选择要分出的成员"})
    heads = [p for p, r in members if r == "head"]
    if len(heads) != 1:
        raise ValidationError({"members": "分出的成员中须有且只有一位新户主"})
    for _person, relation in members:
        _check_relation(relation)
    with transaction.atomic():
        household = Household.objects.select_for_update(of=("self",)).get(pk=household.pk)
        _require_open(household)
        current = {
            m.person_id: m
            for m in Membership.objects.select_for_update(of=("self",))
            .select_related("person", "household")
            .filter(current_memberships_q(), household=household)
        }
        leaving = []
        for person, relation in members:
            membership = current.get(person.pk)
            if membership is None:
                raise ValidationError(
                    {"members": f"{person.name}不是家庭{household.number}的现有成员"}
                )
            if membership.relation == "head":
                raise ValidationError({"members": "原户主不能分出；请先变更户主"})
            leaving.append((membership, relation))
        if len(leaving) >= len(current):
            raise ValidationError({"members": "原家庭须至少保留一名成员"})
        new = Household(
            number=number.strip() or household_number_next(division),
            division=division,
            area_type=household.area_type if division == household.division else "",
            address=household.address if address is None else address.strip(),
            head=heads[0],
        )
        new.full_clean()
        new.save()
        moved = []
        for membership, relation in leaving:
            _end_membership(membership, on)
            created = _new_membership(
                by=by,
                household=new,
                person=membership.person,
                relation=relation,
                apart_reason=membership.apart_reason,
                on=on,
                source=None,
                moved_from=household,
            )
            moved.append(_member_snapshot(created))
        record_event(
            actor=by,
            action="household.split",
            obj=household,
            after={"new_household": new.number, "members": moved, "on": on},
            reason=reason,
        )
        record_event(
            actor=by,
            action="household.create",
            obj=new,
            after={**_household_snapshot(new), "split_from": household.number},
            reason=reason,
            subject_key=heads[0].id_number_hash,
        )
    return new


def household_merge(
    *,
    by: Any,
    household: Household,
    into: Household,
    reason: str,
    relations: Mapping[int, str] | None = None,
    on: date | None = None,
) -> Household:
    """Merge ``household`` into ``into`` (合户) and return ``into``.

    Every current member of ``household`` moves, with the relation to ``into``'s head given in
    ``relations`` (by person id; "other" when not given). ``household`` is closed with
    ``superseded_by`` pointing at ``into``; nothing is deleted. Audited as ``household.merge``
    on the closed household and ``household.merge.receive`` on ``into``.
    """
    ensure_may(by, EDIT_ACTION, household.division)
    ensure_may(by, EDIT_ACTION, into.division)
    if not reason.strip():
        raise ValidationError({"reason": "请说明合户原因"})
    on = _today(on)
    relations = relations or {}
    with transaction.atomic():
        source = Household.objects.select_for_update(of=("self",)).get(pk=household.pk)
        target = Household.objects.select_for_update(of=("self",)).get(pk=into.pk)
        if source.pk == target.pk:
            raise ValidationError({"into": "不能与本家庭合户"})
        _require_open(source)
        _require_open(target, "into")
        current = list(
            Membership.objects.select_for_update(of=("self",))
            .select_related("person", "household")
            .filter(current_memberships_q(), household=source)
        )
        before = _household_snapshot(source)
        moved = []
        for membership in current:
            relation = relations.get(membership.person_id, "other")
            if relation == "head":
                raise ValidationError(
                    {
                        "relations": f"{target.number}已有户主，"
                        f"{membership.person.name}须以其他关系并入"
                    }
                )
            _end_membership(membership, on)
            created = _new_membership(
                by=by,
                household=target,
                person=membership.person,
                relation=relation,
                apart_reason=membership.apart_reason,
                on=on,
                source=None,
                moved_from=source,
            )
            moved.append(_member_snapshot(created))
        source.closed_at = timezone.now()
        source.superseded_by = target
        source.full_clean()
        source.save(update_fields=["closed_at", "superseded_by"])
        record_event(
            actor=by,
            action="household.merge",
            obj=source,
            before=before,
            after={**_household_snapshot(source), "members": moved},
            reason=reason,
        )
        record_event(
            actor=by,
            action="household.merge.receive",
            obj=target,
            after={"merged_from": source.number, "members": moved, "on": on},
            reason=reason,
        )
    return target


__all__ = [
    "household_create",
    "household_merge",
    "household_number_next",
    "household_set_head",
    "household_split",
    "household_update",
    "households_rehome",
    "member_add",
    "member_change",
    "member_end",
    "member_move",
]


def households_rehome(*, old: Division, new: Division, change: Any = None) -> tuple[int, int]:
    """After a division change retired ``old`` into ``new``: current records follow.

    Open households in ``old`` move to ``new`` (one ``household.rehome`` event each); persons
    whose residence or household registration is ``old`` point at ``new`` (one
    ``person.rehome`` event for the lot). Closed households keep the village they had: history.
    Only a village can hold households, so nothing moves when ``new`` is not a village.
    Returns (households moved, persons moved).
    """
    if new.level != Division.Level.VILLAGE:
        return 0, 0
    reason = f"区划变更 {change.pk}" if change is not None else "区划变更"
    with transaction.atomic():
        households = list(
            Household.objects.select_for_update(of=("self",)).filter(
                division=old, closed_at__isnull=True
            )
        )
        for household in households:
            household.division = new
            household.save(update_fields=["division"])
            record_event(
                actor=None,
                action="household.rehome",
                obj=household,
                before={"division": old.code},
                after={"division": new.code},
                reason=reason,
            )
        residents = Person.objects.filter(residence_division=old).update(residence_division=new)
        registered = Person.objects.filter(hukou_division=old).update(hukou_division=new)
        if residents or registered:
            record_event(
                actor=None,
                action="person.rehome",
                before={"division": old.code},
                after={
                    "division": new.code,
                    "residence_moved": residents,
                    "hukou_moved": registered,
                },
                reason=reason,
                division_code=new.code,
            )
    return len(households), residents
