"""Writes to a household's facts: incomes, assets, expenditures, life events, enrolments.

``fact_record`` states one fact from one source (an import batch, or the worker entering it).
The same statement arriving twice changes nothing; a different value for the same slot (same
source, person, kind and period — ``FACT_KEYS``' identity fields) closes the older fact and
records the new one. ``fact_close`` withdraws a fact that was wrong. Nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from minzheng.audit.services import record_event
from minzheng.engine import schema
from minzheng.registry import labels
from minzheng.registry.models import (
    Asset,
    Enrolment,
    Expenditure,
    Household,
    ImportBatch,
    Income,
    LifeEvent,
    Person,
)
from minzheng.registry.selectors.scope import current_household
from minzheng.registry.services._common import EDIT_ACTION, ensure_may, source_fields, source_key
from minzheng.registry.services.fingerprints import (
    FACT_KEYS,
    fact_fingerprint,
    restated_fingerprint,
)
from minzheng.registry.services.persons import person_update

type Fact = Income | Asset | Expenditure | LifeEvent | Enrolment

FACT_MODELS: dict[str, type[models.Model]] = {
    "income": Income,
    "asset": Asset,
    "expenditure": Expenditure,
    "life_event": LifeEvent,
    "enrolment": Enrolment,
}
KIND_OF_MODEL: dict[type[models.Model], str] = {m: k for k, m in FACT_MODELS.items()}

# Dates that say when something happened cannot lie in the future.
_PAST_DATES = {
    "expenditure": ("date",),
    "life_event": ("date",),
    "asset": ("as_of",),
    "income": ("period_start",),
}
_MONEY_NOT_NEGATIVE = {
    "asset": ("value", "floor_area"),
    "expenditure": ("amount",),
    "life_event": ("amount",),
    "enrolment": ("monthly_amount",),
}
_KIND_FIELD = {
    "income": ("kind", schema.INCOME_KINDS),
    "asset": ("kind", labels.ASSET_KIND_VALUES),
    "expenditure": ("kind", schema.EXPENDITURE_KINDS),
    "life_event": ("kind", schema.EVENT_KINDS),
    "enrolment": ("programme", schema.PROGRAMMES),
}


@dataclass(frozen=True)
class FactRecorded:
    """What ``fact_record`` did: the standing fact, whether it is new, and what it replaced."""

    fact: Any
    created: bool
    superseded: list[Any] = field(default_factory=list)


def kind_of(fact: models.Model) -> str:
    """The fact kind (``"income"`` …) of a fact row."""
    return KIND_OF_MODEL[type(fact)]


def fact_snapshot(fact: models.Model) -> dict[str, Any]:
    """A fact's fields as JSON-ready audit data (persons masked, households by number)."""
    kind = kind_of(fact)
    data: dict[str, Any] = {"kind_of_fact": kind}
    person = getattr(fact, "person", None)
    household = getattr(fact, "household", None)
    data["person"] = person.id_number_masked if person is not None else ""
    data["household"] = household.number if household is not None else ""
    identity, values = FACT_KEYS[kind]
    for name in (*identity, *values):
        if name in ("person", "household"):
            continue
        data[name] = getattr(fact, name)
    data["source_batch"] = fact.source_batch_id  # type: ignore[attr-defined]
    return data


def _check_fields(kind: str, values: Mapping[str, Any]) -> None:
    identity, value_fields = FACT_KEYS[kind]
    allowed = {*identity, *value_fields} - {"person", "household"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError(
            {"values": f"{labels.FACT_KINDS[kind]}没有这些字段：{sorted(unknown)}"}
        )
    kind_field, kind_values = _KIND_FIELD[kind]
    if values.get(kind_field) not in kind_values:
        raise ValidationError(
            {kind_field: f"未知的{labels.FACT_KINDS[kind]}类型：{values.get(kind_field)}"}
        )


def _check_values(kind: str, values: Mapping[str, Any]) -> None:
    today = timezone.localdate()
    errors: dict[str, str] = {}
    for name in _PAST_DATES.get(kind, ()):
        value = values.get(name)
        if isinstance(value, date) and value > today:
            errors[name] = f"日期{value:%Y-%m-%d}晚于今天"
    for name in _MONEY_NOT_NEGATIVE.get(kind, ()):
        value = values.get(name)
        if value is not None and Decimal(str(value)) < 0:
            errors[name] = "不能为负数"
    start, end = values.get("period_start"), values.get("period_end")
    if kind == "income" and start and end and end < start:
        errors["period_end"] = "所属期止早于所属期起"
    start, end = values.get("start_date"), values.get("end_date")
    if kind == "enrolment" and start and end and end < start:
        errors["end_date"] = "终止日期早于起始日期"
    if kind == "asset":
        if values.get("kind") == "home" and values.get("floor_area") in (None, ""):
            errors["floor_area"] = "房产须填写建筑面积"
        if values.get("kind") == "business" and not values.get("business_role"):
            errors["business_role"] = "企业任职须填写任职类型"
    if errors:
        raise ValidationError(errors)


def _clean_values(model: type[models.Model], values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with text fields stripped and empty text as "" (never None)."""
    clean: dict[str, Any] = {}
    for name, value in values.items():
        model_field = model._meta.get_field(name)
        if isinstance(model_field, models.CharField):
            value = "" if value is None else str(value).strip()
        elif isinstance(model_field, models.DecimalField) and value not in (None, ""):
            places = Decimal(1).scaleb(-(model_field.decimal_places or 0))
            try:
                value = Decimal(str(value)).quantize(places)
            except InvalidOperation:
                raise ValidationError({name: f"“{value}”不是有效的数值"}) from None
        clean[name] = value
    return clean


def _division_code(person: Person | None, household: Household | None) -> str:
    if household is not None:
        return household.division.code
    if person is not None and person.residence_division is not None:
        return person.residence_division.code
    return ""


def fact_record(
    *,
    by: Any,
    kind: str,
    person: Person | None,
    values: Mapping[str, Any],
    household: Household | None = None,
    source: ImportBatch | None = None,
) -> FactRecorded:
    """Record one fact of ``kind`` about ``person`` (and ``household``) from ``source``.

    ``kind`` is one of ``income``, ``asset``, ``expenditure``, ``life_event``, ``enrolment``;
    ``values`` holds that kind's fields (``FACT_KEYS``), e.g. for an income ``kind``,
    ``amount``, ``period_start``, ``period_end``. ``source`` is the import batch; without one
    the fact is entered by the worker ``by``. ``household`` defaults to the person's current
    household (an enrolment needs one; ``person`` may be None for a household programme).

    Idempotent: the same statement again returns the standing fact (``created`` False). A new
    value for the same slot closes the older fact(s) and records this one. A death event
    also marks the person deceased. Audited as ``<kind>.record`` (e.g. ``income.record``).
    """
    if kind not in FACT_MODELS:
        raise ValidationError({"kind": f"未知的事实类型：{kind}"})
    model = FACT_MODELS[kind]
    if person is None and kind != "enrolment":
        raise ValidationError({"person": "请选择人员"})
    if household is None and person is not None:
        household = current_household(person)
    if kind == "enrolment" and household is None:
        raise ValidationError({"household": "救助享受须属于一个家庭"})
    division = (
        household.division
        if household is not None
        else (person.residence_division if person else None)
    )
    ensure_may(by, EDIT_ACTION, division)
    _check_fields(kind, values)
    clean = _clean_values(model, values)
    _check_values(kind, clean)
    identity, value_fields = FACT_KEYS[kind]
    key_fields: dict[str, Any] = {name: clean.get(name) for name in (*identity, *value_fields)}
    key_fields["person"] = person
    if "household" in key_fields:
        key_fields["household"] = household
    plain = fact_fingerprint(kind, source=source_key(source=source), **key_fields)

    slot: dict[str, Any] = {name: key_fields[name] for name in identity}
    if source is not None:
        slot["source_batch__feed"] = source.feed
    else:
        slot["source_batch__isnull"] = True

    objects = model._default_manager
    with transaction.atomic():
        standing = (
            objects.select_for_update().filter(fingerprint=plain, closed_at__isnull=True).first()
        )
        if standing is not None:
            return FactRecorded(fact=standing, created=False)
        previous: list[Any] = list(
            objects.select_for_update().filter(closed_at__isnull=True, **slot)
        )
        taken = objects.filter(fingerprint=plain).exists()
        fact = model(
            person=person,
            household=household,
            fingerprint=restated_fingerprint(plain) if taken else plain,
            **clean,
            **source_fields(by=by, source=source),
        )
        now = timezone.now()
        for old in previous:
            old.closed_at = now
            old.save(update_fields=["closed_at"])
        fact.full_clean()
        fact.save()
        record_event(
            actor=by,
            action=f"{kind}.record",
            obj=fact,
            before=fact_snapshot(previous[0]) if previous else None,
            after=fact_snapshot(fact),
            subject_key=person.id_number_hash if person is not None else "",
            division_code=_division_code(person, household),
        )
        dies = kind == "life_event" and values.get("kind") == "death" and person is not None
        if dies and person is not None and person.death_date != values.get("date"):
            person_update(
                by=by,
                person=person,
                source=source,
                life_status="deceased",
                death_date=values.get("date"),
                reason="死亡事件",
            )
    return FactRecorded(fact=fact, created=True, superseded=previous)


def fact_close(*, by: Any, fact: Any, reason: str) -> Any:
    """Withdraw a fact that was wrong or no longer stands (``closed_at``); ``reason`` required.

    Audited as ``<kind>.close``. Closing a closed fact changes nothing.
    """
    kind = kind_of(fact)
    if not reason.strip():
        raise ValidationError({"reason": "请说明注销原因"})
    household = getattr(fact, "household", None)
    person = getattr(fact, "person", None)
    division = (
        household.division
        if household is not None
        else (person.residence_division if person else None)
    )
    ensure_may(by, EDIT_ACTION, division)
    model = type(fact)
    with transaction.atomic():
        fact = model._default_manager.select_for_update().get(pk=fact.pk)
        if fact.closed_at is not None:
            return fact
        before = fact_snapshot(fact)
        fact.closed_at = timezone.now()
        fact.save(update_fields=["closed_at"])
        record_event(
            actor=by,
            action=f"{kind}.close",
            obj=fact,
            before=before,
            after={"closed_at": fact.closed_at},
            reason=reason,
            subject_key=person.id_number_hash if person is not None else "",
            division_code=_division_code(person, household),
        )
    return fact
