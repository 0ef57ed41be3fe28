"""Reads of the engine's outcome for one household: every programme on a day, and why.

The household page, ``minzheng explain`` and the API read the same thing: the household's
registry rows (``registry.snapshot.household_source``) evaluated with the policy parameters in
force on the day (``policy.selectors``), every programme explained from that one run
(``engine.explanation.explain_household``) — the same expressions as the nightly screening.

The caller fetches the household through ``restrict`` (``registry.selectors.households_visible``);
nothing here checks scope. Explanations carry no name and no ID number: the snapshot leaves both
out (names are looked up here, for the page, from the registry).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from minzheng.engine import parameters as engine_parameters
from minzheng.engine import situations
from minzheng.engine.explanation import TABLE_ZH, Explanation, explain_household
from minzheng.engine.parameters import ParameterSnapshot
from minzheng.engine.programmes import BY_NAME
from minzheng.policy import selectors as policy_selectors
from minzheng.registry import snapshot as registry_snapshot
from minzheng.registry.models import Household
from minzheng.registry.selectors import panels

logger = logging.getLogger(__name__)

PROGRAMMES: tuple[str, ...] = tuple(BY_NAME)
STATUS_LABELS = {"eligible": "符合", "ineligible": "不符合", "unknown": "无法判定"}
# A person programme with no member in its target group (no row: not concerned).
NOT_CONCERNED = "none"
NOT_CONCERNED_LABEL = "不涉及"


class UnknownProgramme(ValueError):
    """A programme name the engine does not know (the message lists the valid ones)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"未知的救助项目“{name}”，可用：{'、'.join(PROGRAMMES)}")


def parameters_on(day: dt.date) -> tuple[ParameterSnapshot, bool]:
    """The parameters in force on ``day`` from the database, and whether the reviewed seed was
    read instead (a fresh install with no parameters loaded: a warning in the log)."""
    definitions = policy_selectors.parameter_definitions()
    if definitions:
        return engine_parameters.snapshot(day, definitions), False
    logger.warning("no policy parameters in the database: reading the reviewed seed")
    return engine_parameters.snapshot(day, engine_parameters.load_seed()), True


def reason_words(codes: Iterable[str], labels: dict[str, str]) -> list[str]:
    """Reason codes in words: which condition failed or lacked data (``labels``: condition code
    → its label), which parameter has no value, whether the amount could not be computed."""
    out = []
    for code in codes:
        head, _sep, tail = code.partition(":")
        if head == "parameter_unknown":
            out.append(f"参数未设置：{tail}")
        elif head == "amount_unknown":
            out.append("金额无法测算")
        elif tail == "failed":
            out.append(f"不满足：{labels.get(head, head)}")
        elif tail == "unknown":
            out.append(f"信息不足：{labels.get(head, head)}")
        else:
            out.append(code)
    return out


def reason_texts(subject: dict[str, Any]) -> list[str]:
    """The reason codes of one explained subject in words."""
    labels = {c["code"]: c["label"] for c in subject["conditions"]}
    return reason_words(subject["reason_codes"] or (), labels)


@dataclass(frozen=True)
class SubjectOutcome:
    """The household (``person_id`` None) or one member, for one programme."""

    person_id: int | None
    person_name: str
    status: str
    monthly_amount: Decimal | None
    reason_codes: tuple[str, ...]
    reasons: tuple[str, ...]
    unverified_parameters: tuple[str, ...]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class ProgrammeOutcome:
    """One programme for the household: its subjects and their summary.

    The summary status is eligible when any subject is, otherwise unknown when any is, otherwise
    ineligible; ``none`` for a person programme with no member in its target group. The amount
    is the eligible subjects' monthly total (None when one of them is unknown).
    """

    programme: str
    label: str
    level: str
    cash: bool
    subjects: tuple[SubjectOutcome, ...]

    @property
    def status(self) -> str:
        found = {s.status for s in self.subjects}
        for status in ("eligible", "unknown", "ineligible"):
            if status in found:
                return status
        return NOT_CONCERNED

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, NOT_CONCERNED_LABEL)

    @property
    def monthly_amount(self) -> Decimal | None:
        eligible = [s.monthly_amount for s in self.subjects if s.status == "eligible"]
        if not eligible or any(a is None for a in eligible):
            return None
        return sum((a for a in eligible if a is not None), Decimal("0.00"))

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons of the subjects that decided the summary status (unique, in order)."""
        chosen = [s for s in self.subjects if s.status == self.status]
        return tuple(dict.fromkeys(r for s in chosen for r in s.reasons))

    @property
    def unverified_parameters(self) -> tuple[str, ...]:
        return tuple(sorted({p for s in self.subjects for p in s.unverified_parameters}))

    @property
    def per_person(self) -> bool:
        return self.level == "person"


@dataclass
class HouseholdOutcome:
    """Every programme's outcome for one household on ``as_of``, with the explanations."""

    household: Household
    as_of: dt.date
    from_seed: bool
    programmes: list[ProgrammeOutcome]
    explanations: dict[str, Explanation] = field(repr=False)
    names: dict[int, str] = field(default_factory=dict)

    @property
    def evaluated(self) -> bool:
        """False for a closed household: it is not in the registry's snapshot."""
        return self.household.closed_at is None

    def outcome(self, programme: str) -> ProgrammeOutcome:
        for found in self.programmes:
            if found.programme == programme:
                return found
        raise UnknownProgramme(programme)

    def explanation(self, programme: str) -> Explanation:
        if programme not in self.explanations:
            raise UnknownProgramme(programme)
        return self.explanations[programme]


def _amount(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _programme(explanation: Explanation, names: dict[int, str]) -> ProgrammeOutcome:
    programme = BY_NAME[explanation.programme]
    subjects = tuple(
        SubjectOutcome(
            person_id=s["person_id"],
            person_name=names.get(s["person_id"], "") if s["person_id"] is not None else "",
            status=s["status"],
            monthly_amount=_amount(s["monthly_amount"]),
            reason_codes=tuple(s["reason_codes"] or ()),
            reasons=tuple(reason_texts(s)),
            unverified_parameters=tuple(s["unverified_parameters"] or ()),
        )
        for s in explanation.subjects
    )
    return ProgrammeOutcome(
        programme=programme.name,
        label=programme.label,
        level=programme.level,
        cash=programme.cash,
        subjects=subjects,
    )


def warm_up(day: dt.date | None = None) -> None:
    """Compile and prepare the household engine's plan for the parameters in force on ``day``
    (default today) in this thread, by explaining one made-up household: the first household
    page a worker serves then costs a run, not the 3–6 s of compiling the plan."""
    day = day or timezone.localdate()
    snap, _from_seed = parameters_on(day)
    tables = situations.to_arrow(situations.build({"members": [{"age": 40}]}, day))
    explain_household(tables, 1, snap, day)


def household_outcome(
    *,
    household: Household,
    as_of: dt.date | None = None,
    programmes: tuple[str, ...] | None = None,
    with_names: bool = True,
) -> HouseholdOutcome:
    """Evaluate and explain ``household`` on ``as_of`` (default today) for every programme (or
    ``programmes``): one read of its registry rows, one run of the engine.

    Raises ``UnknownProgramme`` for a name the engine does not know. ``with_names`` looks up
    the members' names for the page (the engine never reads them).
    """
    day = as_of or timezone.localdate()
    chosen = tuple(programmes) if programmes is not None else PROGRAMMES
    for name in chosen:
        if name not in BY_NAME:
            raise UnknownProgramme(name)
    snap, from_seed = parameters_on(day)
    source = registry_snapshot.household_source(household=household, as_of=day)
    explanations = explain_household(source, household.pk, snap, day, programmes=chosen)
    names: dict[int, str] = {}
    if with_names and explanations:
        # Every explanation carries the same input records: the household's members.
        members = next(iter(explanations.values())).inputs["persons"]
        names = registry_snapshot.person_names(p["person_id"] for p in members)
    return HouseholdOutcome(
        household=household,
        as_of=day,
        from_seed=from_seed,
        programmes=[_programme(explanations[name], names) for name in chosen],
        explanations=explanations,
        names=names,
    )


# --- the explanation as the page shows it ---------------------------------------------------------

# Input columns the page leaves out: the source has its own column; names and ID numbers are
# never in the snapshot.
HIDDEN_INPUT_COLUMNS = frozenset({"source", "id_number", "name"})


@dataclass(frozen=True)
class InputRecord:
    """One input record of the explanation: its values and the source it came from."""

    values: tuple[tuple[str, str], ...]
    source: str
    person_name: str


def explanation_page(outcome: HouseholdOutcome, programme: str) -> dict[str, Any]:
    """The explanation of ``programme`` as the page shows it: subjects with members' names,
    conditions, parameters with their document, article and date, input records by table."""
    explained = outcome.explanation(programme).as_dict()
    subjects = []
    for subject in explained["subjects"]:
        pid = subject["person_id"]
        subjects.append(
            {
                **subject,
                "person_name": outcome.names.get(pid, "") if pid is not None else "",
                "status_label": STATUS_LABELS.get(subject["status"], subject["status"]),
                "reasons": reason_texts(subject),
            }
        )
    inputs = []
    for table, rows in explained["inputs"].items():
        records = [
            InputRecord(
                values=tuple(
                    (key, str(value))
                    for key, value in row.items()
                    if key not in HIDDEN_INPUT_COLUMNS and value not in (None, "")
                ),
                source=str(row.get("source") or ""),
                person_name=outcome.names.get(row.get("person_id") or 0, ""),
            )
            for row in rows
        ]
        if records:
            inputs.append((TABLE_ZH.get(table, table), records))
    return {
        "explanation": explained,
        "subjects": subjects,
        "parameters": explained["parameters"],
        "inputs": inputs,
        "text": outcome.explanation(programme).render(),
    }


def register_panel() -> None:
    """Show the outcome panel on the registry's household page (its view applies the scope)."""

    def outcome_panel(user: Any, household: Household) -> list[panels.HouseholdPanel]:
        if household.closed_at is not None:
            return []
        url = reverse("monitoring:household_outcome", kwargs={"number": household.number})
        return [
            panels.HouseholdPanel("outcome", "救助资格评估（规则引擎）", url, "clipboard-check")
        ]

    panels.register_household_panel("monitoring.outcome")(outcome_panel)
