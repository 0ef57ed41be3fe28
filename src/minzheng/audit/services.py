"""Writes to the audit trail: appending events to the hash chain, and recording verifications.

Every service in the platform calls ``record_event`` inside its own ``transaction.atomic`` so
that the event commits or rolls back with the change it describes. Appends are serialised by
locking the one ``AuditChainHead`` row (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
``IMMEDIATE`` transaction mode already lets one writer in at a time).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from tqdm import tqdm

from minzheng.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent, AuditVerification
from minzheng.divisions import selectors as division_selectors

# Events with no division belong to the city as a whole: only city-wide scopes see them.
CITY_ROOT_CODE = "500000"
CITY_ROOT_PATH = f"{CITY_ROOT_CODE}/"

PII_VIEW_ACTION = "pii.view"


class AuditJSONEncoder(json.JSONEncoder):
    """JSON for before/after values: dates, times, Decimals and UUIDs become strings."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.date | dt.time):
            return o.isoformat()
        if isinstance(o, dt.timedelta):
            return str(o)
        if isinstance(o, decimal.Decimal | uuid.UUID | Promise):
            return str(o)
        if isinstance(o, enum.Enum):
            return o.value
        if isinstance(o, set | frozenset):
            return sorted(o, key=str)
        if isinstance(o, bytes):
            return o.hex()
        if isinstance(o, models.Model):
            return o.pk
        if hasattr(o, "name") and hasattr(o, "url") and hasattr(o, "storage"):  # a FieldFile
            return o.name or ""
        return super().default(o)


def to_json_value(value: Any) -> Any:
    """``value`` as plain JSON data (dicts, lists, strings, numbers, booleans, None)."""
    return json.loads(json.dumps(value, cls=AuditJSONEncoder, ensure_ascii=False))


def canonical_json(value: Any) -> str:
    """The one byte-stable text of ``value`` that hashes are computed over."""
    return json.dumps(
        value, cls=AuditJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of ``obj`` as a JSON-ready dict for an event's before/after.

    A foreign key is recorded by its id under ``<name>_id`` semantics but keyed by the field
    name given (``"division"`` gives the division's primary key); choices keep their stored value.
    """
    data: dict[str, Any] = {}
    for name in fields:
        try:
            field = obj._meta.get_field(name)
        except Exception:
            field = None
        if field is not None and getattr(field, "many_to_many", False):
            if obj.pk is None:
                value: Any = []
            else:
                value = sorted(getattr(obj, name).values_list("pk", flat=True))
        elif field is not None and getattr(field, "many_to_one", False):
            value = getattr(obj, field.attname)  # type: ignore[union-attr]
        else:
            value = getattr(obj, name)
        data[name] = value
    return to_json_value(data)


def _hash_payload(event: AuditEvent) -> dict[str, Any]:
    """The fields an event's hash covers, in the shape they have after a database round trip."""
    at = event.at
    if timezone.is_naive(at):
        at = timezone.make_aware(at, dt.UTC)
    return {
        "sequence": event.sequence,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "division_code": event.division_code,
        "division_path": event.division_path,
        "org_unit_code": event.org_unit_code,
        "subject_key": event.subject_key,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }


def compute_hash(event: AuditEvent) -> str:
    """SHA-256 (hex) of the event's canonical JSON, including the previous event's hash."""
    return hashlib.sha256(canonical_json(_hash_payload(event)).encode("utf-8")).hexdigest()


def _division_of(obj: Any) -> Any:
    """The division an object belongs to: itself for a division, else its ``division``, else
    its org unit's division (a user belongs where their org unit is)."""
    if obj._meta.label_lower == "divisions.division":
        return obj
    for holder in (obj, getattr(obj, "org_unit", None)):
        division = getattr(holder, "division", None) if holder is not None else None
        if hasattr(division, "code") and hasattr(division, "path"):
            return division
    return None


def _division_path(code: str, division: Any) -> str:
    """The division's path as it is now, snapshotted into the event (city root if none)."""
    if not code:
        return CITY_ROOT_PATH
    if division is not None and division.code == code and division.path:
        return str(division.path)
    try:
        return division_selectors.get_by_code(code).path
    except ObjectDoesNotExist:
        return CITY_ROOT_PATH


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_username": "", "actor_name": "", "org_unit_code": ""}
    org_unit = getattr(actor, "org_unit", None)
    return {
        "actor": actor,
        "actor_username": actor.get_username(),
        "actor_name": (getattr(actor, "full_name", "") or "")[:60],
        "org_unit_code": getattr(org_unit, "code", "") if org_unit is not None else "",
    }


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    return head


def record_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
    division_code: str = "",
    subject_key: str = "",
) -> AuditEvent:
    """Append one event to the chain and return it.

    Call inside the caller's ``transaction.atomic``: the event commits or rolls back with the
    change. ``actor`` is a user (``None`` or an anonymous user for the system itself).
    ``division_code`` defaults to the object's division (the object's own code for a division,
    its org unit's division for a user); ``before``/``after`` may hold dates, Decimals and UUIDs (see ``snapshot``).
    """
    if not action:
        raise ValidationError({"action": _("必须说明操作。")})
    division = _division_of(obj) if obj is not None else None
    if not division_code and division is not None:
        division_code = division.code
    object_type = object_id = object_repr = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = "" if obj.pk is None else str(obj.pk)
        object_repr = str(obj)[:200]

    with transaction.atomic():
        head = _lock_head()
        event = AuditEvent(
            sequence=head.last_sequence + 1,
            at=timezone.now(),
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            division_code=division_code,
            division_path=_division_path(division_code, division),
            subject_key=subject_key,
            before=None if before is None else to_json_value(dict(before)),
            after=None if after is None else to_json_value(dict(after)),
            reason=reason,
            prev_hash=head.last_hash,
            **_actor_fields(actor),
        )
        event.hash = compute_hash(event)
        # The actor is a live user object; skipping its existence query keeps appends cheap.
        event.full_clean(exclude=["actor"], validate_unique=False, validate_constraints=False)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=head.pk).update(
            last_sequence=event.sequence, last_hash=event.hash
        )
    return event


def record_pii_access(
    *,
    actor: Any,
    obj: models.Model,
    purpose: str,
    subject_key: str = "",
    division_code: str = "",
) -> AuditEvent:
    """Record that ``actor`` viewed the full personal data of ``obj``, and why.

    ``purpose`` is required (it is stored as the event's reason); an empty one is refused.
    """
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("查看完整个人信息须说明用途。")})
    return record_event(
        actor=actor,
        action=PII_VIEW_ACTION,
        obj=obj,
        reason=purpose,
        subject_key=subject_key,
        division_code=division_code,
    )


EXPORT_ACTION = "audit.export"
EXPORT_HEADER = [
    "ID",
    _("序号"),
    _("时间"),
    _("操作人账号"),
    _("操作人姓名"),
    _("操作机构"),
    _("操作"),
    _("对象类型"),
    _("对象标识"),
    _("对象"),
    _("所属区划"),
    _("当事人索引"),
    _("理由/用途"),
    _("变更前"),
    _("变更后"),
    _("事件哈希"),
]
EXCEL_MAX_ROWS = 1_048_575  # one sheet's limit, less the header


def export_events_xlsx(
    *,
    actor: Any,
    events: QuerySet[AuditEvent],
    filters: Mapping[str, Any],
    destination: BinaryIO,
) -> int:
    """Write ``events`` to ``destination`` as an .xlsx workbook and record the export.

    The workbook is write-only (rows are streamed, memory stays bounded); at most one sheet's
    worth of rows is written. Returns the number of events written. The export itself is an
    ``audit.export`` event carrying the filters, appended after the rows are read.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("审计事件")))
    sheet.append([str(h) for h in EXPORT_HEADER])
    written = 0
    for event in events[:EXCEL_MAX_ROWS].iterator(chunk_size=2000):
        sheet.append(_export_row(sheet, event))
        written += 1
    workbook.save(destination)
    with transaction.atomic():
        record_event(
            actor=actor,
            action=EXPORT_ACTION,
            after={"filters": dict(filters), "rows": written},
        )
    return written


EXCEL_MAX_CELL = 32_767


def _text_cell(sheet: Any, value: str) -> WriteOnlyCell:
    """A cell that always holds text: control characters dropped, never read as a formula."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_MAX_CELL])
    cell.data_type = "s"
    return cell


def _export_row(sheet: Any, event: AuditEvent) -> list[Any]:
    row: list[Any] = [
        event.pk,
        event.sequence,
        timezone.localtime(event.at).replace(tzinfo=None),
        event.actor_username,
        event.actor_name,
        event.org_unit_code,
        event.action,
        event.object_type,
        event.object_id,
        event.object_repr,
        event.division_code,
        event.subject_key,
        event.reason,
        "" if event.before is None else json.dumps(event.before, ensure_ascii=False),
        "" if event.after is None else json.dumps(event.after, ensure_ascii=False),
        event.hash,
    ]
    return [_text_cell(sheet, v) if isinstance(v, str) else v for v in row]


@dataclass(frozen=True)
class VerifyResult:
    """What a walk of the chain found: how many events checked, and the first break."""

    ok: bool
    checked: int
    broken_event_id: int | None = None
    broken_at: dt.datetime | None = None
    broken_action: str = ""
    problem: str = ""


def verify_chain(*, progress: bool = False, chunk_size: int = 2000) -> VerifyResult:
    """Walk every event in id order, recompute its hash and its link, and stop at the first break.

    Streams the table (bounded memory). Records the run as an ``AuditVerification`` row.
    """
    started = timezone.now()
    result = _walk_chain(progress=progress, chunk_size=chunk_size)
    AuditVerification.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        ok=result.ok,
        checked=result.checked,
        broken_event_id=result.broken_event_id,
        problem=result.problem,
    )
    return result


def _walk_chain(*, progress: bool, chunk_size: int) -> VerifyResult:
    # The head is read first: events appended during the walk must not look like a lost tail.
    head = AuditChainHead.objects.filter(pk=1).first()
    head_sequence = head.last_sequence if head is not None else 0
    events = AuditEvent.objects.order_by("id")
    total = events.count()
    iterator: Iterable[AuditEvent] = events.iterator(chunk_size=chunk_size)
    if progress:
        iterator = tqdm(iterator, total=total, desc="审计链校验", unit="条")
    prev_hash = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    last: AuditEvent | None = None
    for event in iterator:
        problems: list[str] = []
        if event.sequence != expected_sequence:
            problems.append(
                f"sequence is {event.sequence}, expected {expected_sequence} "
                f"(an event before it is missing or out of order)"
            )
        if event.prev_hash != prev_hash:
            problems.append(
                f"prev_hash {event.prev_hash[:16]}… does not match the previous event's hash "
                f"{prev_hash[:16]}…"
            )
        recomputed = compute_hash(event)
        if recomputed != event.hash:
            problems.append(
                f"content hash mismatch: stored {event.hash[:16]}…, recomputed "
                f"{recomputed[:16]}… (the event was altered)"
            )
        if problems:
            return VerifyResult(
                ok=False,
                checked=checked,
                broken_event_id=event.pk,
                broken_at=event.at,
                broken_action=event.action,
                problem="; ".join(problems),
            )
        checked += 1
        prev_hash = event.hash
        expected_sequence = event.sequence + 1
        last = event
    if (last.sequence if last else 0) < head_sequence:
        return VerifyResult(
            ok=False,
            checked=checked,
            broken_event_id=last.pk if last else None,
            broken_at=last.at if last else None,
            broken_action=last.action if last else "",
            problem=(
                f"chain head records sequence {head_sequence} but the last event is "
                f"{last.sequence if last else 0} (events at the end are missing)"
            ),
        )
    return VerifyResult(ok=True, checked=checked)
