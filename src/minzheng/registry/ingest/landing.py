"""Landing a chunk of good rows: find or create persons, households and memberships, add facts,
update person attributes — a few set-based statements per chunk, never one per row.

Idempotency rests on fingerprints (``registry.services.fingerprints``): a fact whose
fingerprint is already on an open row is "unchanged". A fact that fills the same slot as an
open fact of the same feed (same identity fields, other values: a corrected amount) closes that
fact and is added in its place. A person attribute is set only when it differs and the row's
date is not older than the date the current value holds from; its source is noted in
``field_sources``.

Everything runs inside the caller's transaction: the chunk is all or nothing with its batch.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models

from minzheng.registry import idnumbers, pii
from minzheng.registry.ingest.spec import FactPlan, FeedSpec, RowError, RowPlan
from minzheng.registry.ingest.sql import (
    Inserter,
    TrailingWrites,
    allocate_ids,
    in_list,
    query_in,
    select_in,
    update_rows,
)
from minzheng.registry.models import (
    CREATED_FIELDS,
    CREATED_SOURCE,
    Asset,
    DigestField,
    Enrolment,
    Expenditure,
    Household,
    ImportBatch,
    Income,
    LifeEvent,
    Membership,
    Person,
)
from minzheng.registry.services.fingerprints import (
    FACT_KEYS,
    SEPARATOR,
    fact_fields,
    normalise,
    restated_fingerprint,
    source_key_for_feed,
)

FACT_MODELS: dict[str, type[models.Model]] = {
    "income": Income,
    "asset": Asset,
    "expenditure": Expenditure,
    "life_event": LifeEvent,
    "enrolment": Enrolment,
}
_FACT_META = ("fingerprint", "person_id", "household_id")
CURRENT = "closed_at IS NULL AND valid_to IS NULL"
# Open facts by owner (person or household id), then by identity: [(id, normalised values)].
Slots = dict[int | None, dict[tuple[str, ...], list[tuple[int, tuple[str, ...]]]]]
# Most persons (with their households) a batch remembers between chunks: bounded memory
# (some 300 bytes each).
KNOWN_LIMIT = 250_000
# Most distinct values of one identity field a slot look-up names in its WHERE clause.
NARROW_LIMIT = 5000
# Most slots of one kind a feed's first load remembers as filled (``Lander._filled``): some
# 65 bytes each. Past it, the rest of the batch looks its slots up in the database.
FILLED_LIMIT = 1_000_000

NO_PERSON = "未找到该身份证号码对应的人员，请先导入户籍数据"
NO_HOUSEHOLD = "该人员尚无家庭（户籍）记录，请先导入户籍数据"
NAME_MISMATCH = "姓名与该身份证号码在户籍登记中的姓名不一致"

# Person attributes a feed may state (attnames); ``field_sources`` is keyed by field name.
UPDATE_FIELDS = (
    "name",
    "hukou_division_id",
    "residence_division_id",
    "life_status",
    "death_date",
    "disability_grade",
    "disability_kind",
    "school_status",
    "employment_status",
)


def _normal(part: object) -> str:
    """``fingerprints.normalise``, with the common cases (text, None, dates, amounts of two
    places) done in line."""
    kind = part.__class__
    if kind is str:
        return part.strip()  # type: ignore[attr-defined]
    if part is None:
        return ""
    if kind is date:
        return part.isoformat()  # type: ignore[attr-defined]
    if kind is Decimal:
        shown = str(part)
        if shown[-3:-2] == "." and "E" not in shown:  # already two places, as parsed
            return shown
    return normalise(part)


def _fingerprint(kind: str, *parts: object) -> str:
    """``fingerprints.fingerprint`` (same text hashed, same result), computed faster."""
    text = SEPARATOR.join([kind, *map(_normal, parts)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _field_name(attname: str) -> str:
    return attname.removesuffix("_id") if attname.endswith("division_id") else attname


@dataclass(slots=True)
class Pending:
    """A good row waiting to land: its number, its plan and the ID number's look-up hash."""

    number: int
    plan: RowPlan
    key: str
    # A register row's per-row work done where it was checked (see ``seal``): the ID number
    # encrypted and masked, the membership's fingerprint.
    sealed: tuple[str, str, str] | None = None


def _slot(plan: FactPlan, own: Sequence[str]) -> tuple[str, ...]:
    """The slot a fact fills (its identity fields but the owner, normalised)."""
    if plan.sealed is not None:
        return plan.sealed[1]
    return tuple([_normal(plan.fields.get(f)) for f in own])


class BatchConflict(Exception):
    """The batch cannot land as it is (``reason``, in Chinese); run again, it can."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


OVERTAKEN = (
    "本批次是该数据源的首次导入，导入期间同一数据源的另一批次已完成导入，"
    "本批次未导入任何数据，请重新导入该文件。"
)


# A batch that landed something new (nothing of a failed batch lands).
_LANDED = models.Q(
    status__in=(ImportBatch.Status.SUCCEEDED, ImportBatch.Status.PARTIAL), rows_created__gt=0
)


def _other_batches(batch: ImportBatch) -> models.QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(feed_id=batch.feed_id).exclude(pk=batch.pk)


def landed_meanwhile(batch: ImportBatch) -> bool:
    """Whether another batch of ``batch``'s feed has landed something since ``batch``, a
    first load, started (none had: ``first_load``)."""
    return _other_batches(batch).filter(_LANDED).exists()


def _slot_key(owner: int | None, slot: tuple[str, ...]) -> int:
    """A slot of an owner, hashed (``Lander._filled``): equal for the same slot, and equal
    for two different ones only by chance, which costs a look-up, nothing more."""
    return hash((owner, slot))


def first_load(batch: ImportBatch) -> bool:
    """Whether ``batch`` is its feed's first load: no other batch of the feed can have left a
    fact (each one failed — nothing of a failed batch lands — or finished with nothing new).

    Another batch of the feed waiting or running meanwhile counts as having left facts. One
    started after this one cannot see its facts until it commits, and this one does not look
    for theirs: should one land something first, this one fails at its end
    (``landed_meanwhile``).
    """
    waiting = (ImportBatch.Status.PENDING, ImportBatch.Status.RUNNING)
    return not _other_batches(batch).filter(_LANDED | models.Q(status__in=waiting)).exists()


def household_number(division_codes: dict[int, str], division_id: int, number: str) -> str:
    """The registry's household number: the county code and the police 户号."""
    return f"{division_codes[division_id][:6]}-{number}"


class Sealer:
    """The per-row work of landing a register row that needs no database: encrypting and
    masking the ID number, the membership's fingerprint. Done while the row is checked (in the
    reading thread), not while the chunk lands."""

    def __init__(self, *, spec: FeedSpec, division_codes: dict[int, str]) -> None:
        self.creates_persons = spec.creates_persons
        feed_code = spec.code
        self._encrypt: Any = None
        self.source = source_key_for_feed(feed_code)
        self.division_codes = division_codes
        self.fields = fact_fields("membership")
        self._shapes: dict[str, tuple[bool, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}

    def seal(self, pending: Pending) -> Pending:
        plan = pending.plan
        if plan.facts:
            self.seal_facts(pending)
        if not self.creates_persons:
            return pending
        value = plan.id_number.value
        fingerprint = ""
        if plan.household is not None:
            stated = {
                "household": household_number(
                    self.division_codes, plan.household.division_id, plan.household.number
                ),
                "person": pending.key,
                "relation": plan.household.relation,
            }
            fingerprint = _fingerprint(
                "membership", self.source, *[stated.get(f) for f in self.fields]
            )
        if self._encrypt is None:
            self._encrypt = pii.encrypter()
        pending.sealed = (self._encrypt(value), idnumbers.mask(value), fingerprint)
        return pending

    def seal_facts(self, pending: Pending) -> None:
        """A fact whose fingerprint does not name the household: its fingerprint, slot and
        values (what ``Lander._facts_to_write`` compares) worked out here."""
        for fact in pending.plan.facts:
            shape = self._shapes.get(fact.kind)
            if shape is None:
                identity, value_fields = FACT_KEYS[fact.kind]
                shape = self._shapes[fact.kind] = (
                    "household" not in identity,
                    identity,
                    tuple(f for f in identity if f != "person"),
                    value_fields,
                )
            sealable, identity, own, value_fields = shape
            if fact.per_household or not sealable:
                continue
            stated = fact.fields
            slot = tuple([_normal(stated.get(f)) for f in own])
            values = tuple([_normal(stated.get(f)) for f in value_fields])
            # The text ``_fingerprint`` hashes: the parts in ``fact_fields`` order, normalised.
            parts = iter(slot)
            text = SEPARATOR.join(
                [
                    fact.kind,
                    self.source,
                    *[pending.key if f == "person" else next(parts) for f in identity],
                    *values,
                ]
            )
            fact.sealed = (hashlib.sha256(text.encode("utf-8")).hexdigest(), slot, values)


@dataclass
class ChunkOutcome:
    """Per row number: landed with a change, landed with nothing new, or refused (and why)."""

    created: set[int] = field(default_factory=set)
    unchanged: set[int] = field(default_factory=set)
    errors: dict[int, list[RowError]] = field(default_factory=dict)

    def refuse(self, number: int, column: str, reason: str) -> None:
        self.errors.setdefault(number, []).append(RowError(column, reason))


@dataclass(slots=True)
class _Person:
    id: int
    name: str
    values: dict[str, Any]  # the attributes a feed may update (``UPDATE_FIELDS``), when read
    new: bool = False
    changed: bool = False
    household: tuple[int, str] | None = None  # current household: id, number (fact feeds)


# A person of a fact feed and their current household, found by the look-up hash. Scalar
# subqueries (one index look-up each: the one current membership, the household by id) rather
# than joins: a join's plan depends on the planner's row estimates, which right after a large
# import can be far off (PostgreSQL then joins against whole tables, chunk after chunk).
_CURRENT_HOUSEHOLD = (
    f"(SELECT m.household_id FROM {Membership._meta.db_table} m WHERE m.person_id = p.id "
    "AND m.closed_at IS NULL AND m.valid_to IS NULL)"
)
_PERSON_AND_HOME = (
    f"SELECT p.id, p.id_number_hash, p.name, {_CURRENT_HOUSEHOLD}, "
    f"(SELECT h.number FROM {Household._meta.db_table} h WHERE h.id = {_CURRENT_HOUSEHOLD}) "
    f"FROM {Person._meta.db_table} p"
)


@dataclass(slots=True)
class _Fact:
    fingerprint: str
    row: Pending
    plan: FactPlan
    person_id: int | None
    household_id: int | None


class Lander:
    """Lands chunks of one batch of one feed (one instance per batch)."""

    def __init__(
        self, *, spec: FeedSpec, batch: ImportBatch, division_codes: dict[int, str]
    ) -> None:
        self.spec = spec
        self.batch = batch
        self.source = source_key_for_feed(batch.feed.code)
        self.division_codes = division_codes
        self.sealer = Sealer(spec=spec, division_codes=division_codes)
        self._persons_in = Inserter(
            Person,
            [
                "id",
                "id_number_encrypted",
                "id_number_hash",
                "id_number_masked",
                "name",
                "sex",
                "birth_date",
                "hukou_division_id",
                "residence_division_id",
            ],
            skip_conflicts=False,  # new persons, found missing in this transaction
        )

        self._households_in = Inserter(
            Household, ["id", "number", "division_id", "address", "head_id"], skip_conflicts=False
        )
        # Nothing to conflict with: a person created by this batch has no membership yet, and
        # the current membership of one already registered ends first.
        self._memberships_in = Inserter(
            Membership,
            ["fingerprint", "person_id", "household_id", "relation"],
            skip_conflicts=False,
        )
        self._facts_in: dict[tuple[str, tuple[str, ...]], Inserter] = {}
        # Look-up hash → the person (id, name, current household) of fact feeds; the same
        # ``_Person`` serves every chunk (``_update_persons`` reads its attributes afresh).
        self._known: dict[str, _Person] = {}
        # New rows written in a thread while the landing goes on (``TrailingWrites``); for the
        # register, the persons and households the rows held from the previous chunk create.
        self.writes = TrailingWrites()
        self._held_persons: set[str] = set()
        self._held_households: dict[str, tuple[int, int | None]] = {}
        # Every batch of this feed: facts from other feeds never fill the same slot.
        self.feed_batches = set(
            ImportBatch.objects.filter(feed_id=batch.feed_id).values_list("id", flat=True)
        )
        # A feed's first load: the slots its facts have filled, per kind (see ``_unfilled``);
        # ``None`` once a kind passes ``FILLED_LIMIT``.
        self._filled: dict[str, set[int] | None] | None = {} if first_load(batch) else None

    # --- the chunk ---------------------------------------------------------------------

    def finish(self) -> None:
        """Write every row still held: the batch's last chunk has landed."""
        self.writes.flush()
        self._held_persons.clear()
        self._held_households.clear()
        if self._filled and landed_meanwhile(self.batch):
            # Its facts were never looked up: a fact another batch landed in the same slot
            # meanwhile would stay open beside this batch's.
            raise BatchConflict(OVERTAKEN)

    def close(self) -> None:
        """Let go of the writing thread (after ``finish``, or when the batch failed)."""
        self.writes.close()

    def land(self, pending: Sequence[Pending], *, now: datetime) -> ChunkOutcome:
        """Land ``pending`` (rows already checked one by one); returns what became of each."""
        outcome = ChunkOutcome()
        self.now = now
        self.today = now.date()
        self.entry = {
            "at": now.isoformat(timespec="seconds"),
            "batch": self.batch.pk,
            "feed": self.batch.feed.code,
            "feed_name": self.batch.feed.name,
        }
        self.fact_constants = {"source_batch_id": self.batch.pk, "recorded_at": now}
        register = self.spec.creates_persons
        persons = self._register(pending, outcome) if register else self._persons(pending, outcome)
        rows = [p for p in pending if p.number not in outcome.errors]
        if any(p.plan.facts for p in rows):
            self.writes.wait()
            self._facts(rows, persons, outcome)
            rows = [p for p in rows if p.number not in outcome.errors]
        self._update_persons(rows, persons, outcome)
        outcome.unchanged.update(p.number for p in rows if p.number not in outcome.created)
        return outcome

    # --- persons -----------------------------------------------------------------------

    def _persons(self, pending: Sequence[Pending], outcome: ChunkOutcome) -> dict[str, _Person]:
        """A feed about persons already registered: each found by hash, or the row refused."""
        self.writes.wait()
        # A feed about existing persons mentions the same people chunk after chunk (a month of
        # wages each): who they are and their current household are looked up once per batch
        # (only the household register moves people, and it does not come this way).
        known = self._known
        persons: dict[str, _Person] = {}
        for p in pending:
            person = known.get(p.key)
            if person is not None:
                persons[p.key] = person
        found = query_in(
            _PERSON_AND_HOME,
            "p.id_number_hash",
            (DigestField.to_db(p.key) for p in pending if p.key not in persons),
        )
        if len(known) + len(found) > KNOWN_LIMIT:
            known.clear()
        for pk, digest, name, household_id, number in found:
            key = bytes(digest).hex()
            household = (household_id, number) if household_id is not None else None
            known[key] = persons[key] = _Person(pk, name, {}, household=household)
        for p in pending:
            person = persons.get(p.key)
            if person is None:
                outcome.refuse(p.number, "id_number", NO_PERSON)
            elif p.plan.name and p.plan.name != person.name:
                outcome.refuse(p.number, "name", NAME_MISMATCH)
        return persons

    # --- the household register: persons, households and memberships -------------------

    def household_number(self, division_id: int, number: str) -> str:
        return household_number(self.division_codes, division_id, number)

    def _register(self, pending: Sequence[Pending], outcome: ChunkOutcome) -> dict[str, _Person]:
        """Persons found by hash or created, their households and memberships.

        Everything the chunk needs from the database is read first. The previous chunk's new
        persons, households and first memberships (held, see ``TrailingWrites``) are then
        copied while this chunk's are built, and this chunk's are held in turn. The reads do
        not see held rows: a person they create whom this chunk mentions again has them
        written first (rare: the same person on both sides of a chunk's edge); a household
        they create, which the next chunk often fills further, is known from
        ``_held_households``.
        """
        writes = self.writes
        if writes.held and not self._held_persons.isdisjoint(p.key for p in pending):
            writes.flush()
        writes.wait()
        persons = {
            key: _Person(pk, name, {})
            for pk, key, name in select_in(
                Person, ["id", "id_number_hash", "name"], "id_number_hash", (p.key for p in pending)
            )
        }
        found_persons = [person.id for person in persons.values()]
        missing: dict[str, Pending] = {}
        for p in pending:
            if p.key not in persons:
                missing[p.key] = p  # the last row about a person says who they are

        # The last row about a person says where they belong now; earlier ones add nothing.
        latest: dict[str, Pending] = {}
        for p in pending:
            latest[p.key] = p
        outcome.unchanged.update(p.number for p in pending if latest[p.key] is not p)
        places: dict[str, Pending] = {}
        numbers: dict[str, str] = {}
        for key, p in latest.items():
            plan = p.plan.household
            assert plan is not None
            numbers[key] = self.household_number(plan.division_id, plan.number)
            places.setdefault(numbers[key], p)
        found = {
            number: (pk, head)
            for pk, number, head in select_in(
                Household, ["id", "number", "head_id"], "number", places
            )
        }
        for number in places:
            if number not in found and number in self._held_households:
                found[number] = self._held_households[number]
        new = [n for n in places if n not in found]
        current = {
            person: (pk, household, relation)
            for pk, person, household, relation in select_in(
                Membership,
                ["id", "person_id", "household_id", "relation"],
                "person_id",
                found_persons,
                where=CURRENT,
            )
        }
        person_ids = allocate_ids(Person, len(missing))
        household_ids = allocate_ids(Household, len(new))

        for pk, (key, p) in zip(person_ids, missing.items(), strict=True):
            creates = p.plan.creates or {}
            # No attribute of a person new in this batch is compared with a row's (nothing to read).
            persons[key] = _Person(pk, creates.get("name", ""), {}, new=True)
        outcome.created.update(p.number for p in missing.values())
        # A new household's head, when the chunk names it, is written with the household.
        heads_of_new = {
            numbers[key]: persons[key].id
            for key, p in latest.items()
            if p.plan.household.relation == "head"  # type: ignore[union-attr]
        }
        for pk, n in zip(household_ids, new, strict=True):
            found[n] = (pk, heads_of_new.get(n))
        outcome.created.update(places[n].number for n in new)

        closed: list[tuple[Any, ...]] = []
        ended: list[tuple[Any, ...]] = []
        inserts: list[tuple[str, int, int, str]] = []
        fresh: list[bool] = []  # whether each insert's person is new in this batch
        heads: dict[int, int] = {}
        for key, p in latest.items():
            relation = p.plan.household.relation  # type: ignore[union-attr]
            household_id, head_id = found[numbers[key]]
            person_id = persons[key].id
            if relation == "head" and head_id != person_id:
                heads[household_id] = person_id
                outcome.created.add(p.number)
            was = current.get(person_id)
            if was is not None and was[1] == household_id:
                if was[2] == relation:
                    continue
                closed.append((self.now, was[0]))  # the same household, restated: a correction
            elif was is not None:
                ended.append((self.today, was[0]))  # moved: the old membership's period ends
            sealed = p.sealed or self.sealer.seal(p).sealed
            assert sealed is not None
            inserts.append((sealed[2], person_id, household_id, relation))
            fresh.append(persons[key].new)
            outcome.created.add(p.number)
        # Read all that is needed: the previous chunk's new rows are written meanwhile.
        writes.start()
        self._create_persons(list(missing.values()), person_ids)
        held: dict[str, tuple[int, int | None]] = {}
        for pk, n in zip(household_ids, new, strict=True):
            # A head named twice in the chunk: the first named, as a later update would have.
            held[n] = (pk, heads.pop(pk, found[n][1]))
        self._households_in.hold(
            [
                (
                    pk,
                    n,
                    places[n].plan.household.division_id,  # type: ignore[union-attr]
                    places[n].plan.household.address,  # type: ignore[union-attr]
                    held[n][1],
                )
                for n, (pk, _head) in held.items()
            ],
            {"source_batch_id": self.batch.pk, "created_at": self.now},
            writes,
        )
        self._memberships_in.hold(
            [i for i, new_person in zip(inserts, fresh, strict=True) if new_person],
            self.fact_constants,
            writes,
        )
        self._held_persons = set(missing)
        self._held_households = held

        # A membership stated again after it ended is recorded again, under the same
        # fingerprint (``Membership.fingerprint``).
        again = [i for i, new_person in zip(inserts, fresh, strict=True) if not new_person]
        if closed or ended or heads or again:
            # These go after the rows being copied, some of which they name. The database
            # checks a reference when its statement ends (``registry.references``): a head
            # this chunk creates, or a household it creates that a registered person moves
            # into, is written first (rare: a file lists the head first, and a register
            # moves few people).
            new_persons, new_households = set(person_ids), set(household_ids)
            if not new_persons.isdisjoint(heads.values()) or any(
                row[2] in new_households for row in again
            ):
                writes.flush()
            writes.wait()
            update_rows(Membership, ["closed_at"], closed)
            update_rows(Membership, ["valid_to"], ended)
            update_rows(Household, ["head_id"], [(person, hh) for hh, person in heads.items()])
            self._memberships_in.insert(again, self.fact_constants)
        return persons

    def _create_persons(self, rows: Sequence[Pending], ids: Sequence[int]) -> None:
        """Hold a new person for each of ``rows``, with ``ids``."""
        if not rows:
            return
        tuples = []
        # Rows of a feed all state the same attributes of the persons they create.
        stated = {
            _field_name(n)
            for n in ("id_number", "sex", "birth_date", *(rows[0].plan.creates or {}))
        }
        # One entry for them all when they are the usual ones (``Person.field_source``).
        sources = (
            {CREATED_SOURCE: self.entry}
            if stated == CREATED_FIELDS
            else dict.fromkeys(stated, self.entry)
        )
        for pk, p in zip(ids, rows, strict=True):
            parsed = p.plan.id_number
            creates = p.plan.creates or {}
            sealed = p.sealed or self.sealer.seal(p).sealed
            assert sealed is not None
            tuples.append(
                (
                    pk,
                    sealed[0],
                    p.key,
                    sealed[1],
                    creates.get("name", ""),
                    parsed.sex,
                    parsed.birth_date,
                    creates.get("hukou_division_id"),
                    creates.get("residence_division_id"),
                )
            )
        # Every person created from this feed has the same sources: one JSON text for the chunk.
        self._persons_in.hold(
            tuples, {"created_at": self.now, "field_sources": sources}, self.writes
        )

    # --- facts -------------------------------------------------------------------------

    def _facts(
        self,
        rows: Sequence[Pending],
        persons: dict[str, _Person],
        outcome: ChunkOutcome,
    ) -> None:
        planned: dict[str, list[_Fact]] = defaultdict(list)
        for p in rows:
            person = persons[p.key]
            home = person.household
            for fact in p.plan.facts:
                if fact.household == "required" and home is None:
                    outcome.refuse(p.number, "id_number", NO_HOUSEHOLD)
                    continue
                if fact.sealed is not None:
                    fingerprint = fact.sealed[0]
                else:
                    identity = {
                        "person": None if fact.per_household else p.key,
                        "household": home[1] if home is not None else None,
                    }
                    parts = [
                        identity[f] if f in identity else fact.fields.get(f)
                        for f in fact_fields(fact.kind)
                    ]
                    fingerprint = _fingerprint(fact.kind, self.source, *parts)
                planned[fact.kind].append(
                    _Fact(
                        fingerprint,
                        p,
                        fact,
                        None if fact.per_household else person.id,
                        home[0] if home is not None and fact.household != "none" else None,
                    )
                )
        # Every kind read and worked out first, then the rows of all written together, while
        # the next chunk is read (``TrailingWrites``): they conflict with nothing.
        writing = []
        for kind, facts in planned.items():
            ready = self._facts_to_write(
                kind, [f for f in facts if f.row.number not in outcome.errors], outcome
            )
            if ready is not None:
                writing.append(ready)
        for inserter, inserts, landing in writing:
            inserter.hold(inserts, self.fact_constants, self.writes)
            outcome.created.update(f.row.number for f in landing)
        self.writes.start()

    def _open_slots(self, kind: str, facts: list[_Fact]) -> Slots:
        """Open facts of this feed in the slots ``facts`` fill.

        owner (person or household id) → identity (normalised) → [(id, normalised values)].
        """
        model = FACT_MODELS[kind]
        identity, value_fields = FACT_KEYS[kind]
        own = [f for f in identity if f not in ("person", "household")]
        by_household = "household" in identity and kind == "enrolment"
        owner = "household_id" if by_household else "person_id"
        owners = {(f.household_id if by_household else f.person_id) for f in facts}
        booleans = {
            f.attname for f in model._meta.concrete_fields if isinstance(f, models.BooleanField)
        }
        columns = ["id", "source_batch_id", "person_id", "household_id", *own, *value_fields]
        # Narrowed by the identity fields too: a person's whole history from this feed (months
        # of wages, years of settlements) need not come back for every chunk. The feed is
        # checked here, not in SQL, so that the database looks rows up by their owner (a
        # condition on the batch makes SQLite walk the whole batch being imported instead).
        where = ["closed_at IS NULL"]
        params: list[Any] = []
        fields = {f.attname: f for f in model._meta.concrete_fields}
        for name in own:
            wanted = list({f.plan.fields.get(name) for f in facts} - {None})
            if 0 < len(wanted) <= NARROW_LIMIT:
                clause, values = in_list(
                    connection.ops.quote_name(str(fields[name].column)), wanted
                )
                where.append(clause)
                params.extend(values)
        slots: Slots = defaultdict(lambda: defaultdict(list))
        for row in select_in(
            model, columns, owner, owners, where=" AND ".join(where), params=params
        ):
            if row[1] not in self.feed_batches:
                continue
            values = [
                bool(v) if c in booleans and v is not None else v
                for c, v in zip(columns, row, strict=True)
            ]
            slot = tuple(map(_normal, values[4 : 4 + len(own)]))
            slots[values[3] if by_household else values[2]][slot].append(
                (values[0], tuple(map(_normal, values[4 + len(own) :])))
            )
        return slots

    def _unfilled(
        self, kind: str, facts: list[_Fact], own: list[str]
    ) -> tuple[list[_Fact], list[_Fact], list[int]]:
        """A feed's first load: ``facts`` split into those filling a slot no fact of the feed
        has filled (nothing to look up) and the rest, with the former's slots hashed.

        No earlier batch of the feed left a fact (``first_load``), so every open fact of the
        feed is one this batch wrote, and ``_filled`` holds the slot (owner and identity,
        hashed) of each. A slot not there is empty: its fact is new, and so is its
        fingerprint, which names the slot. A slot there — filled earlier in the batch (a
        bill corrected in a later chunk), or a hash shared by chance with another slot — is
        looked up in the database as in any other load.
        """
        filled = None if self._filled is None else self._filled.setdefault(kind, set())
        if filled is None:
            return [], facts, []
        by_household = kind == "enrolment"
        keys = [
            _slot_key(f.household_id if by_household else f.person_id, _slot(f.plan, own))
            for f in facts
        ]
        new: list[_Fact] = []
        checked: list[_Fact] = []
        new_keys: list[int] = []
        for fact, key in zip(facts, keys, strict=True):
            if key in filled:
                checked.append(fact)
            else:
                new.append(fact)
                new_keys.append(key)
        return new, checked, new_keys

    def _facts_to_write(
        self, kind: str, facts: list[_Fact], outcome: ChunkOutcome
    ) -> tuple[Inserter, list[tuple[Any, ...]], list[_Fact]] | None:
        """The facts of ``kind`` to add, with their ids, and what lands of them (``None``:
        nothing); open facts they correct are closed here."""
        fresh: list[_Fact] = []
        seen: set[str] = set()
        for fact in facts:
            if fact.fingerprint not in seen:  # twice in this chunk: once is enough
                seen.add(fact.fingerprint)
                fresh.append(fact)
        if not fresh:
            return None
        model = FACT_MODELS[kind]
        identity, value_fields = FACT_KEYS[kind]
        own = [f for f in identity if f not in ("person", "household")]
        by_household = kind == "enrolment"
        new, checked, keys = self._unfilled(kind, fresh, own)
        # The same values restated are unchanged; other values replace the open fact, which is
        # closed (never deleted). A fact already there is always in its own slot.
        slots = self._open_slots(kind, checked) if checked else {}
        to_close: list[tuple[Any, ...]] = []
        columns = tuple(sorted({name for f in fresh for name in f.plan.fields}))
        fields = {f.attname: f for f in model._meta.concrete_fields}
        defaults = {c: fields[c].get_default() for c in columns}  # for a field a row leaves out
        inserts: list[tuple[Any, ...]] = []
        landing: list[_Fact] = []

        def row(fact: _Fact) -> tuple[Any, ...]:
            stated = fact.plan.fields
            return (
                fact.fingerprint,
                fact.person_id,
                fact.household_id,
                *(stated.get(c, defaults[c]) for c in columns),
            )

        for fact in checked:
            stated = fact.plan.fields
            held = slots.get(fact.household_id if by_household else fact.person_id)
            if held:  # the owner has open facts from this feed: do any fill this slot?
                slot = _slot(fact.plan, own)
                if fact.plan.sealed is not None:
                    values = fact.plan.sealed[2]
                else:
                    values = tuple(_normal(stated.get(f)) for f in value_fields)
                standing = held.get(slot, [])
                if any(v == values for _pk, v in standing):
                    continue
                to_close.extend((self.now, pk) for pk, _v in standing)
                held[slot] = []
            inserts.append(row(fact))
            landing.append(fact)
        update_rows(model, ["closed_at"], to_close)
        # Fingerprints recorded already, looked up before the insert (which then conflicts
        # with nothing, and is written while the next chunk is read): by a closed fact —
        # these values were stated before and corrected since: recorded again under a fresh
        # fingerprint — or by an open one the slot look-up could not see (nothing new).
        taken = dict(
            select_in(model, ["fingerprint", "closed_at"], "fingerprint", (r[0] for r in inserts))
        )
        if taken:
            again = {
                fp: restated_fingerprint(fp) for fp, closed in taken.items() if closed is not None
            }
            inserts = [
                (again[row[0]], *row[1:]) if row[0] in again else row
                for row in inserts
                if row[0] not in taken or row[0] in again
            ]
            landing = [f for f in landing if f.fingerprint not in taken or f.fingerprint in again]
        inserts.extend(row(fact) for fact in new)
        landing.extend(new)
        self._remember_filled(kind, keys)
        if not inserts:
            return None
        key = (kind, columns)
        if key not in self._facts_in:
            self._facts_in[key] = Inserter(
                model, ["id", *_FACT_META, *columns], skip_conflicts=False
            )
        ids = allocate_ids(model, len(inserts))
        return (
            self._facts_in[key],
            [(pk, *row) for pk, row in zip(ids, inserts, strict=True)],
            landing,
        )

    def _remember_filled(self, kind: str, keys: list[int]) -> None:
        """A first load: the slots hashed to ``keys`` filled now (by the facts ``_unfilled``
        found new; the others' slots are remembered already); past ``FILLED_LIMIT``, no slot
        of the kind is remembered any more."""
        if self._filled is None or not keys:
            return
        filled = self._filled[kind]
        assert filled is not None
        filled.update(keys)
        if len(filled) > FILLED_LIMIT:
            self._filled[kind] = None

    # --- person attributes -------------------------------------------------------------

    def _update_persons(
        self, rows: Sequence[Pending], persons: dict[str, _Person], outcome: ChunkOutcome
    ) -> None:
        stated = [p for p in rows if p.plan.updates and not persons[p.key].new]
        if not stated:
            return
        self.writes.wait()
        # The attributes as they stand (this batch being their only writer meanwhile, what it
        # wrote in earlier chunks included), and where each came from.
        columns = ["id", *UPDATE_FIELDS, "field_sources"]
        sources: dict[int, dict[str, Any]] = {}
        values: dict[int, dict[str, Any]] = {}
        for row in select_in(Person, columns, "id", (persons[p.key].id for p in stated)):
            values[row[0]] = dict(zip(UPDATE_FIELDS, row[1:-1], strict=True))
            raw = row[-1]
            sources[row[0]] = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
        for p in stated:
            person = persons[p.key]
            person.values = values[person.id]
            person.changed = False  # a person of a fact feed serves every chunk
        differing = [
            p
            for p in stated
            if any(persons[p.key].values.get(a) != v for a, v in p.plan.updates.items())
        ]
        if not differing:
            return
        for p in differing:
            person = persons[p.key]
            held_sources = sources[person.id]
            as_of = p.plan.updates_as_of
            for attname, value in p.plan.updates.items():
                name = _field_name(attname)
                held = (held_sources.get(name) or {}).get("as_of")
                if as_of is not None and held and held > as_of.isoformat():
                    continue  # an older statement than the one the value holds from
                if person.values.get(attname) == value:
                    continue
                person.values[attname] = value
                entry = dict(self.entry)
                if as_of is not None:
                    entry["as_of"] = as_of.isoformat()
                held_sources[name] = entry
                person.changed = True
                outcome.created.add(p.number)
        changed = {persons[p.key].id: persons[p.key] for p in differing if persons[p.key].changed}
        update_rows(
            Person,
            [*UPDATE_FIELDS, "field_sources"],
            [
                (*(person.values[a] for a in UPDATE_FIELDS), sources[pk], pk)
                for pk, person in changed.items()
            ],
        )
