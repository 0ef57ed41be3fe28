"""The shapes a feed is declared in: its columns, and what one good row becomes in the registry.

A ``FeedSpec`` lists the columns as the department sends them (the Chinese header, accepted
aliases, whether required, how the cell is parsed) and a ``plan`` function that turns one row's
parsed values into a ``RowPlan``: which person it is about, which person attributes it states,
which facts it reports (with the fields their fingerprint is computed from), and — for the
household register — which household the person belongs to. The landing code
(``ingest.landing``) does the rest the same way for every feed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from minzheng.registry.idnumbers import IdNumber

FactKind = Literal["income", "asset", "expenditure", "life_event", "enrolment"]


class RowError(ValueError):
    """A problem with one cell of a row: the column key and the reason in Chinese."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


class RowErrors(ValueError):
    """Several problems found together in one row (a plan reports them all at once)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.reason for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class ParseContext:
    """What parsing a cell may consult: today's date and the division table."""

    today: date
    division: Callable[[object], int]  # a village code cell → Division id; raises CellError


@dataclass(frozen=True)
class Column:
    """One column of a feed: its header as the department writes it, and how a cell is read."""

    key: str
    header: str
    parse: Callable[[object, ParseContext], Any]
    required: bool = True
    aliases: tuple[str, ...] = ()
    help: str = ""
    example: str = ""
    choices: Any = None  # columns.Choices of an enumerated column
    # A number kept as text (ID numbers, codes): the import template makes its cells text, so
    # that Excel keeps all 18 digits of an ID number.
    text: bool = False
    # Cells that repeat across rows (a person's ID number in a fact feed, dates): an import
    # remembers what each one parsed to.
    memo: bool = False

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)

    @property
    def description(self) -> str:
        """What to write in the column, for the feed's page and the command's list."""
        if self.choices is not None:
            return "可填：" + "、".join(self.choices.shown)
        return self.help


@dataclass
class FactPlan:
    """One fact a row reports. ``fields`` are the fingerprint fields (see ``FACT_KEYS``) besides
    the person and household; ``extra`` are model fields not hashed (e.g. a life event's detail
    is hashed, an asset's ``reference`` is hashed, nothing else is extra today).

    ``household``: ``"none"`` leaves it empty, ``"current"`` fills in the person's current
    household when there is one, ``"required"`` refuses the row without one. ``per_household``
    facts (household programmes) leave ``person`` empty.
    """

    kind: FactKind
    fields: dict[str, Any]
    household: Literal["none", "current", "required"] = "current"
    per_household: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # Worked out where the row was checked, when they do not depend on the database (see
    # ``landing.Sealer``): the fingerprint, the slot and the values, normalised.
    sealed: tuple[str, tuple[str, ...], tuple[str, ...]] | None = None


@dataclass
class HouseholdPlan:
    """The household-register part of a row: the household number, where, and the relation."""

    number: str
    division_id: int
    address: str
    relation: str


@dataclass
class RowPlan:
    """What one good row says. ``updates`` are person attributes with the date they hold from."""

    id_number: IdNumber
    name: str = ""
    creates: dict[str, Any] | None = None  # attributes of a person the row may create
    updates: dict[str, Any] = field(default_factory=dict)
    updates_as_of: date | None = None
    facts: list[FactPlan] = field(default_factory=list)
    household: HouseholdPlan | None = None


@dataclass(frozen=True)
class FeedSpec:
    """A declared feed: one department's file, its columns, and what each row becomes."""

    code: str
    name: str
    department: str
    description: str
    columns: tuple[Column, ...]
    plan: Callable[[Mapping[str, Any]], RowPlan]
    # Codes of the org unit that sends the feed (the seeded partner agencies, or the city
    # bureau for civil affairs' own records), tried in order; the feed row links the first found.
    agency_codes: tuple[str, ...] = ()
    creates_persons: bool = False

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    @property
    def required_headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns if c.required)
