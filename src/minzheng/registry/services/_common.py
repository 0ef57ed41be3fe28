"""What the registry services share: who may write where, sources, and the "not given" marker."""

from __future__ import annotations

import enum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from minzheng.accounts.scope import can_at
from minzheng.registry.models import ImportBatch
from minzheng.registry.services.fingerprints import WORKER_SOURCE, source_key_for_feed

EDIT_ACTION = "household.edit"


class _Unset(enum.Enum):
    UNSET = "unset"


# An argument left out (as opposed to one given as None or ""): the attribute is not touched.
UNSET = _Unset.UNSET
type Maybe[T] = T | _Unset


def ensure_may(by: Any, action: str, division: Any) -> None:
    """Refuse unless ``by`` holds ``action`` over ``division``; ``None`` is the system itself.

    Views check scope first (out of scope is a 404 there); this guard keeps a service from
    widening anyone's reach when called from a command, the API or another app.
    """
    if by is None or division is None:
        return
    if not can_at(by, action, division):
        raise PermissionDenied(f"{by} may not {action} in {division}")


def source_fields(*, by: Any, source: ImportBatch | None) -> dict[str, Any]:
    """The ``source_batch``/``entered_by`` of a fact: the batch, else the worker ``by``."""
    if source is not None:
        return {"source_batch": source, "entered_by": None}
    return {"source_batch": None, "entered_by": by if getattr(by, "pk", None) else None}


def source_key(*, source: ImportBatch | None) -> str:
    """The source part of a fingerprint: the batch's feed, or hand entry by a worker."""
    if source is not None:
        return source_key_for_feed(source.feed.code)
    return WORKER_SOURCE


def field_source(*, by: Any, source: ImportBatch | None) -> dict[str, Any]:
    """One ``Person.field_sources`` entry: where a value came from and when."""
    entry: dict[str, Any] = {"at": timezone.now().isoformat(timespec="seconds")}
    if source is not None:
        entry.update({"batch": source.pk, "feed": source.feed.code, "feed_name": source.feed.name})
    elif by is not None and getattr(by, "pk", None):
        entry.update({"user": by.get_username(), "user_name": getattr(by, "full_name", "") or ""})
    return entry
