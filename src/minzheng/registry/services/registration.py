"""What a township worker does at the counter: register a household with its head, add a member.

Each combines ``person_register`` (find or create the resident by ID number) with the household
service, in one transaction, so that a refused household leaves no stray person behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction

from minzheng.divisions.models import Division
from minzheng.registry.models import Household, ImportBatch, Membership
from minzheng.registry.services.households import household_create, member_add
from minzheng.registry.services.persons import PERSON_ATTRIBUTES, person_register


def _attributes(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    given = dict(attributes or {})
    unknown = set(given) - set(PERSON_ATTRIBUTES)
    if unknown:
        raise ValueError(f"unknown person attributes: {sorted(unknown)}")
    given.pop("name", None)
    return given


def household_register(
    *,
    by: Any,
    division: Division,
    head_id_number: str,
    head_name: str,
    address: str = "",
    area_type: str = "",
    on: date | None = None,
    head_birth_date: date | None = None,
    head_sex: str | None = None,
    head_attributes: Mapping[str, Any] | None = None,
    source: ImportBatch | None = None,
) -> Household:
    """Register (or find) the head by ID number and create their household in ``division``.

    ``head_birth_date``/``head_sex``, when the worker states them, must agree with the number.
    ``head_attributes`` are person attributes (``PERSON_ATTRIBUTES``) the worker recorded; the
    head's residence defaults to the household's village. Audited by the two services.
    """
    attributes = _attributes(head_attributes)
    attributes.setdefault("residence_division", division)
    with transaction.atomic():
        head, _created = person_register(
            by=by,
            id_number=head_id_number,
            name=head_name,
            source=source,
            birth_date=head_birth_date,
            sex=head_sex,
            **attributes,
        )
        return household_create(
            by=by,
            division=division,
            head=head,
            address=address,
            area_type=area_type,
            on=on,
            source=source,
        )


def member_register(
    *,
    by: Any,
    household: Household,
    id_number: str,
    name: str,
    relation: str,
    apart_reason: str = "",
    on: date | None = None,
    birth_date: date | None = None,
    sex: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    source: ImportBatch | None = None,
) -> Membership:
    """Register (or find) a person by ID number and add them to ``household``.

    A person who already belongs to another household is refused (move them instead); their
    residence defaults to the household's village.
    """
    given = _attributes(attributes)
    given.setdefault("residence_division", household.division)
    with transaction.atomic():
        person, _created = person_register(
            by=by,
            id_number=id_number,
            name=name,
            source=source,
            birth_date=birth_date,
            sex=sex,
            **given,
        )
        return member_add(
            by=by,
            household=household,
            person=person,
            relation=relation,
            apart_reason=apart_reason,
            on=on,
            source=source,
        )
