"""Reads of the audit trail: the auditor's filtered, scoped event list, one event, the chain status.

Scope: an event is visible under ``audit.view`` when its ``division_path`` (a snapshot taken when
it was written; the city root for events with no division) lies in one of the user's assigned
subtrees, so events with no division are seen only by city-wide scopes.

The data-subject filter takes a ``subject_key``: the keyed hash of a person's ID number that the
registry computes (``minzheng.registry``). The auditor's page accepts the key itself; a look-up
from an ID number to its key belongs to the registry and is added there.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from minzheng.accounts.scope import active_assignments, can, restrict
from minzheng.audit.models import AuditChainHead, AuditEvent, AuditVerification
from minzheng.divisions import selectors as division_selectors

VIEW_ACTION = "audit.view"


@dataclass(frozen=True)
class EventFilters:
    """What the auditor narrows the trail by. Empty values do not filter.

    ``action`` matches exactly, or as a prefix when it ends with "." (``"user."``).
    ``division`` is a division code and selects its whole subtree. Dates are inclusive,
    in the platform's time zone.
    """

    actor: str = ""
    subject_key: str = ""
    object_type: str = ""
    object_id: str = ""
    org_unit: str = ""
    division: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        """The filters that are set, as JSON-ready values (for an export's audit event)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value not in ("", None):
                out[f.name] = value.isoformat() if isinstance(value, dt.date) else value
        return out


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_q(filters: EventFilters) -> Q:
    """The ``Q`` for ``filters`` on ``AuditEvent``."""
    q = Q()
    if actor := filters.actor.strip():
        q &= Q(actor_username__iexact=actor) | Q(actor_name__icontains=actor)
    if subject_key := filters.subject_key.strip():
        q &= Q(subject_key=subject_key)
    if object_type := filters.object_type.strip():
        q &= Q(object_type=object_type.lower())
    if object_id := filters.object_id.strip():
        q &= Q(object_id=object_id)
    if org_unit := filters.org_unit.strip():
        q &= Q(org_unit_code=org_unit)
    if division := filters.division.strip():
        try:
            path = division_selectors.get_by_code(division).path
        except ObjectDoesNotExist:
            q &= Q(division_code=division)
        else:
            q &= Q(division_path__startswith=path) | Q(division_code=division)
    if action := filters.action.strip():
        q &= Q(action__startswith=action) if action.endswith(".") else Q(action=action)
    if filters.date_from is not None:
        q &= Q(at__gte=_local_midnight(filters.date_from))
    if filters.date_to is not None:
        q &= Q(at__lt=_local_midnight(filters.date_to + dt.timedelta(days=1)))
    return q


def may_view(*, user: Any) -> bool:
    """Whether ``user`` holds ``audit.view`` anywhere (else the auditor's pages answer 404)."""
    return can(user, VIEW_ACTION)


def filters_in_scope(*, user: Any, filters: EventFilters) -> bool:
    """Whether the division the filters name (if any) lies inside ``user``'s scope.

    Asking for a unit outside one's scope is answered like any out-of-scope request: 404.
    """
    code = filters.division.strip()
    if not code:
        return True
    try:
        path = division_selectors.get_by_code(code).path
    except ObjectDoesNotExist:
        return False
    return any(path.startswith(a.division.path) for a in active_assignments(user, VIEW_ACTION))


def events_for(*, user: Any, filters: EventFilters | None = None) -> QuerySet[AuditEvent]:
    """The events ``user`` may see under ``audit.view``, filtered, newest first."""
    qs = restrict(AuditEvent.objects.all(), user, VIEW_ACTION)
    if filters is not None:
        qs = qs.filter(filter_q(filters))
    return qs.order_by("-id")


def event_for(*, user: Any, pk: int) -> AuditEvent:
    """One event in ``user``'s scope; ``Http404`` when it does not exist or is out of scope."""
    return get_object_or_404(restrict(AuditEvent.objects.all(), user, VIEW_ACTION), pk=pk)


def object_types_for(*, user: Any) -> list[str]:
    """The object types that occur in the events ``user`` may see (for the filter's choices)."""
    qs = restrict(AuditEvent.objects.all(), user, VIEW_ACTION)
    return list(
        qs.exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class DiffRow:
    """One field of an event's before/after, as text, and whether it changed."""

    field: str
    before: str
    after: str
    changed: bool


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def diff_rows(event: AuditEvent) -> list[DiffRow]:
    """The event's before/after side by side: every field of either, in first-seen order."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    names = list(dict.fromkeys([*before.keys(), *after.keys()]))
    rows = []
    for name in names:
        b, a = before.get(name), after.get(name)
        changed = b != a or (name in before) != (name in after)
        rows.append(DiffRow(field=name, before=_as_text(b), after=_as_text(a), changed=changed))
    if event.before is not None and not isinstance(event.before, dict):
        rows.append(DiffRow("", _as_text(event.before), _as_text(event.after), True))
    elif event.after is not None and not isinstance(event.after, dict):
        rows.append(DiffRow("", "", _as_text(event.after), True))
    return rows


@dataclass(frozen=True)
class ChainStatus:
    """The chain's size and its last verification, for the auditor's banner and health page."""

    count: int
    last_sequence: int
    last_verification: AuditVerification | None

    @property
    def verified_ok(self) -> bool | None:
        """True/False from the last verification; None when the chain was never verified."""
        return None if self.last_verification is None else self.last_verification.ok

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (the health endpoint reports this)."""
        v = self.last_verification
        return {
            "events": self.count,
            "last_sequence": self.last_sequence,
            "last_verified_at": v.finished_at.isoformat() if v and v.finished_at else None,
            "last_verified_ok": None if v is None else v.ok,
            "last_verified_count": None if v is None else v.checked,
            "broken_event_id": None if v is None else v.broken_event_id,
        }


def chain_status() -> ChainStatus:
    """How long the chain is and what the last ``minzheng audit verify`` found.

    The count is read from the chain head (constant time); the verification result is the
    newest recorded run.
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    last_sequence = head.last_sequence if head is not None else 0
    return ChainStatus(
        count=last_sequence,
        last_sequence=last_sequence,
        last_verification=AuditVerification.objects.order_by("-started_at", "-id").first(),
    )
