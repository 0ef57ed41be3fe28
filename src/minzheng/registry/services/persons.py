"""Writes to persons: register (or find) a resident by ID number, update attributes, reveal the number."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from minzheng.audit.services import record_event, record_pii_access
from minzheng.divisions.models import Division
from minzheng.registry import idnumbers, pii, selectors
from minzheng.registry.models import ImportBatch, Person
from minzheng.registry.services._common import (
    UNSET,
    Maybe,
    _Unset,
    field_source,
)

PII_ACTION = "pii.view_full"

# The attributes a source may state about a person (besides the ID number and what it encodes).
PERSON_ATTRIBUTES = (
    "name",
    "life_status",
    "death_date",
    "hukou_division",
    "residence_division",
    "disability_grade",
    "disability_kind",
    "self_care_items_lost",
    "work_capacity",
    "school_status",
    "employment_status",
    "industry",
    "major_illness",
    "lacks_civil_capacity",
)
AUDIT_FIELDS = ("id_number_masked", "sex", "birth_date", *PERSON_ATTRIBUTES)

SEX_WORDS = {"M": "男", "F": "女"}


def _parse(id_number: str) -> idnumbers.IdNumber:
    try:
        return idnumbers.parse(id_number)
    except idnumbers.InvalidIdNumber as exc:
        raise ValidationError({"id_number": exc.reason}) from None


def check_against_id_number(
    parsed: idnumbers.IdNumber, *, birth_date: date | None, sex: str | None
) -> None:
    """Refuse a birth date or sex that contradicts what the ID number encodes."""
    errors: dict[str, str] = {}
    if birth_date is not None and birth_date != parsed.birth_date:
        errors["birth_date"] = (
            f"出生日期{birth_date:%Y年%m月%d日}与身份证号码不符"
            f"（号码中为{parsed.birth_date:%Y年%m月%d日}）"
        )
    if sex and sex != parsed.sex:
        errors["sex"] = (
            f"性别“{SEX_WORDS.get(sex, sex)}”与身份证号码不符"
            f"（号码第17位表示{SEX_WORDS[parsed.sex]}性）"
        )
    if errors:
        raise ValidationError(errors)


def _snapshot(person: Person) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in AUDIT_FIELDS:
        value = getattr(person, name)
        data[name] = value.code if isinstance(value, Division) else value
    return data


def _division_code(person: Person) -> str:
    division = person.residence_division or person.hukou_division
    return division.code if division is not None else ""


def _apply(
    person: Person, changes: dict[str, Any], *, by: Any, source: ImportBatch | None
) -> list[str]:
    """Set the given attributes that differ; note each one's source. Returns the changed names."""
    changed = []
    entry = field_source(by=by, source=source)
    for name, value in changes.items():
        if isinstance(value, _Unset):
            continue
        if isinstance(value, str):
            value = value.strip()
        if getattr(person, name) != value:
            setattr(person, name, value)
            changed.append(name)
        # A source confirming the current value becomes its source too: the newest statement.
        person.field_sources[name] = entry
    if person.life_status == "living" and person.death_date is not None:
        person.life_status = "deceased"
        changed.append("life_status")
    return changed


def person_register(
    *,
    by: Any,
    id_number: str,
    name: str,
    source: ImportBatch | None = None,
    birth_date: date | None = None,
    sex: str | None = None,
    life_status: Maybe[str] = UNSET,
    death_date: Maybe[date | None] = UNSET,
    hukou_division: Maybe[Division | None] = UNSET,
    residence_division: Maybe[Division | None] = UNSET,
    disability_grade: Maybe[int | None] = UNSET,
    disability_kind: Maybe[str] = UNSET,
    self_care_items_lost: Maybe[int] = UNSET,
    work_capacity: Maybe[str] = UNSET,
    school_status: Maybe[str] = UNSET,
    employment_status: Maybe[str] = UNSET,
    industry: Maybe[str] = UNSET,
    major_illness: Maybe[bool] = UNSET,
    lacks_civil_capacity: Maybe[bool] = UNSET,
) -> tuple[Person, bool]:
    """Find the resident with ``id_number`` or create them; returns ``(person, created)``.

    The number is checked (GB 11643; 15-digit numbers converted, lowercase x accepted); birth
    date and sex are derived from it, and a ``birth_date`` or ``sex`` the source states that
    contradicts the number is refused with a Chinese ``ValidationError``. An existing person
    (found by the keyed hash, never by decrypting) gets the attributes given here that differ;
    arguments left out are not touched. Every value set records its source in
    ``field_sources``: the import batch ``source``, or the worker ``by``. Audited as
    ``person.register`` or ``person.update``, with the person's hash as subject key.
    """
    parsed = _parse(id_number)
    check_against_id_number(parsed, birth_date=birth_date, sex=sex)
    if not name or not name.strip():
        raise ValidationError({"name": "姓名不能为空"})
    changes: dict[str, Any] = {
        "name": name,
        "life_status": life_status,
        "death_date": death_date,
        "hukou_division": hukou_division,
        "residence_division": residence_division,
        "disability_grade": disability_grade,
        "disability_kind": disability_kind,
        "self_care_items_lost": self_care_items_lost,
        "work_capacity": work_capacity,
        "school_status": school_status,
        "employment_status": employment_status,
        "industry": industry,
        "major_illness": major_illness,
        "lacks_civil_capacity": lacks_civil_capacity,
    }
    key = pii.lookup_hash(parsed.value)
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(id_number_hash=key).first()
        if person is None:
            person = Person(
                id_number_encrypted=pii.encrypt(parsed.value),
                id_number_hash=key,
                id_number_masked=idnumbers.mask(parsed.value),
                birth_date=parsed.birth_date,
                sex=parsed.sex,
                field_sources={},
            )
            entry = field_source(by=by, source=source)
            person.field_sources.update({"id_number": entry, "birth_date": entry, "sex": entry})
            _apply(person, changes, by=by, source=source)
            person.full_clean(exclude=["id_number_last4"])
            person.save()
            record_event(
                actor=by,
                action="person.register",
                obj=person,
                after=_snapshot(person),
                subject_key=key,
                division_code=_division_code(person),
            )
            return person, True
        before = _snapshot(person)
        changed = _apply(person, changes, by=by, source=source)
        person.full_clean(exclude=["id_number_last4"])
        person.save()
        if changed:
            record_event(
                actor=by,
                action="person.update",
                obj=person,
                before={k: before[k] for k in changed},
                after={k: _snapshot(person)[k] for k in changed},
                subject_key=key,
                division_code=_division_code(person),
            )
        return person, False


def person_update(
    *,
    by: Any,
    person: Person,
    source: ImportBatch | None = None,
    reason: str = "",
    name: Maybe[str] = UNSET,
    life_status: Maybe[str] = UNSET,
    death_date: Maybe[date | None] = UNSET,
    hukou_division: Maybe[Division | None] = UNSET,
    residence_division: Maybe[Division | None] = UNSET,
    disability_grade: Maybe[int | None] = UNSET,
    disability_kind: Maybe[str] = UNSET,
    self_care_items_lost: Maybe[int] = UNSET,
    work_capacity: Maybe[str] = UNSET,
    school_status: Maybe[str] = UNSET,
    employment_status: Maybe[str] = UNSET,
    industry: Maybe[str] = UNSET,
    major_illness: Maybe[bool] = UNSET,
    lacks_civil_capacity: Maybe[bool] = UNSET,
) -> Person:
    """Set the given attributes of ``person`` (left-out ones stay), noting each value's source.

    Audited as ``person.update`` with only the fields that changed; nothing changed, no event.
    """
    if not isinstance(name, _Unset) and not name.strip():
        raise ValidationError({"name": "姓名不能为空"})
    changes: dict[str, Any] = {
        "name": name,
        "life_status": life_status,
        "death_date": death_date,
        "hukou_division": hukou_division,
        "residence_division": residence_division,
        "disability_grade": disability_grade,
        "disability_kind": disability_kind,
        "self_care_items_lost": self_care_items_lost,
        "work_capacity": work_capacity,
        "school_status": school_status,
        "employment_status": employment_status,
        "industry": industry,
        "major_illness": major_illness,
        "lacks_civil_capacity": lacks_civil_capacity,
    }
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        before = _snapshot(person)
        changed = _apply(person, changes, by=by, source=source)
        person.full_clean(exclude=["id_number_last4"])
        person.save()
        if changed:
            after = _snapshot(person)
            record_event(
                actor=by,
                action="person.update",
                obj=person,
                before={k: before[k] for k in changed},
                after={k: after[k] for k in changed},
                reason=reason,
                subject_key=person.id_number_hash,
                division_code=_division_code(person),
            )
    return person


def person_reveal_id_number(*, by: Any, person: Person, purpose: str) -> str:
    """The full ID number of ``person``, for a user allowed ``pii.view_full`` over them.

    ``purpose`` is required; the view is written to the audit trail as a PII access event
    (``pii.view``) with the purpose as reason and the person's hash as subject key. Raises
    ``PermissionDenied`` out of scope and ``ValidationError`` without a purpose.
    """
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": "查看完整身份证号码须说明用途"})
    if not selectors.persons_visible(by, PII_ACTION).filter(pk=person.pk).exists():
        raise PermissionDenied(f"{by} may not view the full ID number of person {person.pk}")
    with transaction.atomic():
        record_pii_access(
            actor=by,
            obj=person,
            purpose=purpose,
            subject_key=person.id_number_hash,
            division_code=selectors.person_division_code(person),
        )
    return pii.decrypt(person.id_number_encrypted)
