"""Fingerprints: how a registry fact is recognised when it arrives again.

Every fact row (membership, income, asset, expenditure, life event, enrolment) has a unique
``fingerprint``, a SHA-256 over its *kind*, its *source* and its *natural key*. Importing the same
file twice, or two files that overlap, computes the same fingerprints for the same rows, and the
unique column turns the second arrival into "unchanged" instead of a duplicate.

Use it like this (importers, the bulk loader and the services all do the same)::

    from minzheng.registry.services.fingerprints import fact_fingerprint, source_key_for_feed

    fp = fact_fingerprint(
        "income",
        source=source_key_for_feed("rsj"),        # the feed's code; "worker" for hand entry
        person=id_hash,                            # Person.id_number_hash (or a Person)
        kind="wage",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        amount=Decimal("36000.00"),
    )

``FACT_KEYS`` names, for each kind, the *identity* fields (which slot a fact fills: "this
person's wage for 2025 from 人社") and the *value* fields (what the source says about it). The
fingerprint covers both, so a corrected value from the same source is a new fact; the older
fact with the same identity is then closed (``closed_at``), never deleted.

Normalisation, so that every caller hashes the same text for the same value:

- ``None`` and ``""`` → empty; booleans → ``"1"``/``"0"``; dates → ISO ``YYYY-MM-DD``;
- Decimals, ints and floats → fixed two decimals (``"1200.00"``);
- a ``Person`` → its ``id_number_hash``; a ``Household`` → its ``number``; another model → its pk;
- strings are stripped; parts are joined with the unit separator (U+001F).

``fingerprint(kind, *natural_key)`` is the primitive; ``fact_fingerprint(kind, source=…, **fields)``
orders the fields by ``FACT_KEYS`` so that keyword order never matters.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models

SEPARATOR = "\x1f"
WORKER_SOURCE = "worker"

# kind -> (identity fields, value fields). The ``source`` always comes first.
FACT_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # A membership's end (``valid_to``) is its period closing, not a new statement: not hashed.
    "membership": (("household", "person", "valid_from"), ("relation", "apart_reason")),
    "income": (("person", "kind", "period_start", "period_end"), ("amount",)),
    "asset": (
        ("person", "kind", "reference", "as_of"),
        ("value", "floor_area", "housing_grade", "business_role", "business_operating"),
    ),
    "expenditure": (("person", "kind", "date", "reference"), ("amount",)),
    "life_event": (("person", "kind", "date"), ("amount", "detail")),
    "enrolment": (
        ("household", "person", "programme", "start_date"),
        ("end_date", "monthly_amount"),
    ),
}

_CENT = Decimal("0.01")


def source_key_for_feed(feed_code: str) -> str:
    """The source part of a fingerprint for rows that came through feed ``feed_code``."""
    return f"feed:{feed_code}"


def normalise(part: object) -> str:
    """The text a natural-key part is hashed as (see the module docstring)."""
    if part is None:
        return ""
    if isinstance(part, bool):
        return "1" if part else "0"
    if isinstance(part, datetime):
        return part.date().isoformat()
    if isinstance(part, date):
        return part.isoformat()
    if isinstance(part, Decimal | int | float):
        return str(Decimal(str(part)).quantize(_CENT, rounding=ROUND_HALF_UP))
    if isinstance(part, models.Model):
        label = part._meta.label_lower
        if label == "registry.person":
            return str(part.id_number_hash)  # type: ignore[attr-defined]
        if label == "registry.household":
            return str(part.number)  # type: ignore[attr-defined]
        return str(part.pk)
    return str(part).strip()


def fingerprint(kind: str, /, *natural_key: object) -> str:
    """SHA-256 (hex, 64 characters) of ``kind`` and the normalised ``natural_key`` parts."""
    text = SEPARATOR.join([kind, *(normalise(p) for p in natural_key)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def restated_fingerprint(plain: str) -> str:
    """A fresh fingerprint for a fact whose plain fingerprint belongs to a closed row."""
    return fingerprint("restated", plain, uuid.uuid4().hex)


def fact_fields(kind: str, /) -> tuple[str, ...]:
    """The identity fields then the value fields of fact ``kind``, in fingerprint order."""
    identity, values = FACT_KEYS[kind]
    return (*identity, *values)


def fact_fingerprint(fact_kind: str, /, *, source: str, **fields: Any) -> str:
    """The fingerprint of a fact of ``fact_kind`` from ``source`` with ``fields`` (missing → empty).

    ``source`` is ``source_key_for_feed(code)`` for feed rows or ``WORKER_SOURCE``; unknown
    field names are refused so that a typo cannot silently change every fingerprint. (The
    fact's own ``kind`` field, e.g. ``"wage"``, is one of ``fields``.)
    """
    expected = fact_fields(fact_kind)
    unknown = set(fields) - set(expected)
    if unknown:
        raise ValueError(f"unknown fields for {fact_kind}: {sorted(unknown)}")
    return fingerprint(fact_kind, source, *(fields.get(name) for name in expected))
