"""What the rules engine says about one household on a day: programmes, amounts, explanations.

The county decision takes its amount from here: the household's registry facts
(``registry.snapshot.household_source``) evaluated with the parameters in force on the decision
day, through the same expressions as the nightly screening. The explanation of each programme is
kept as JSON on the case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from minzheng.cases import limits
from minzheng.engine import evaluate, explain
from minzheng.engine.programmes import BY_NAME
from minzheng.monitoring import outcomes
from minzheng.registry import labels as registry_labels
from minzheng.registry import snapshot as registry_snapshot

# The programmes a case decides (the civil-affairs programmes the registry records enrolments of).
CASE_PROGRAMMES: tuple[str, ...] = tuple(registry_labels.PROGRAMMES)
# Paid every month from the month of approval; temporary aid is paid once.
MONTHLY_PROGRAMMES: tuple[str, ...] = ("tekun", "dibao", "dibao_individual")
# Tiers are not paid together (programmes.md §1–§3: 特困 is the higher tier; 低保 and 单人保 are
# for households and persons not on it). Where the engine finds a member eligible for 特困, the
# case approves 特困 and not the lower cash tiers; a household with other members who need 低保
# is left for the county to split into its own case.
EXCLUDED_BY: dict[str, tuple[str, ...]] = {"tekun": ("dibao", "dibao_individual")}

STATUS_LABELS = {"eligible": "符合", "ineligible": "不符合", "unknown": "信息不足"}


@dataclass(frozen=True)
class ProgrammeResult:
    """One programme for the household: outcome, monthly amount, who, and why not."""

    programme: str
    label: str
    status: str
    monthly_amount: Decimal | None
    subjects: int
    reason_codes: tuple[str, ...] = ()
    unverified_parameters: tuple[str, ...] = ()
    cash: bool = True
    # Person programmes: (person_id, monthly amount) of each eligible member.
    people: tuple[tuple[int, Decimal | None], ...] = ()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def monthly(self) -> bool:
        return self.programme in MONTHLY_PROGRAMMES

    @property
    def reasons(self) -> list[str]:
        """The reason codes in words: which condition failed or lacked data, which parameter."""
        labels = {c.code: c.label for c in BY_NAME[self.programme].conditions}
        return outcomes.reason_words(self.reason_codes, labels)

    def as_dict(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "label": self.label,
            "status": self.status,
            "monthly_amount": None if self.monthly_amount is None else str(self.monthly_amount),
            "subjects": self.subjects,
            "reason_codes": list(self.reason_codes),
            "unverified_parameters": list(self.unverified_parameters),
            "cash": self.cash,
            "people": [[pid, None if a is None else str(a)] for pid, a in self.people],
        }


@dataclass
class Assessment:
    """The engine's view of one household on ``as_of``."""

    as_of: dt.date
    programmes: list[ProgrammeResult]
    linked: list[ProgrammeResult]
    explanations: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def excluded(self) -> list[ProgrammeResult]:
        """Eligible programmes not granted because a higher tier is (``EXCLUDED_BY``)."""
        found = {p.programme for p in self.programmes if p.status == "eligible"}
        dropped = {low for high, lows in EXCLUDED_BY.items() if high in found for low in lows}
        return [p for p in self.programmes if p.status == "eligible" and p.programme in dropped]

    @property
    def eligible(self) -> list[ProgrammeResult]:
        """The programmes to grant: eligible ones, less those a higher tier excludes."""
        dropped = {p.programme for p in self.excluded}
        return [p for p in self.programmes if p.status == "eligible" and p.programme not in dropped]

    @property
    def monthly(self) -> list[ProgrammeResult]:
        return [p for p in self.eligible if p.monthly]

    @property
    def amount_known(self) -> bool:
        return all(p.monthly_amount is not None for p in self.monthly)

    @property
    def monthly_amount(self) -> Decimal:
        """The monthly total of the eligible monthly programmes (unknown amounts count 0)."""
        return sum((p.monthly_amount or Decimal("0") for p in self.monthly), Decimal("0.00"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "programmes": [p.as_dict() for p in self.programmes],
            "linked": [p.as_dict() for p in self.linked],
            "granted": [p.programme for p in self.eligible],
            "excluded": [p.programme for p in self.excluded],
            "monthly_amount": str(self.monthly_amount),
            "amount_known": self.amount_known,
            "explanations": self.explanations,
        }


def _results(rows: list[dict[str, Any]]) -> list[ProgrammeResult]:
    by_programme: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_programme.setdefault(row["programme"], []).append(row)
    out = []
    for name, found in by_programme.items():
        eligible = [r for r in found if r["status"] == "eligible"]
        if eligible:
            status = "eligible"
        elif any(r["status"] == "unknown" for r in found):
            status = "unknown"
        else:
            status = "ineligible"
        amounts = [r["monthly_amount"] for r in eligible]
        amount = (
            None
            if any(a is None for a in amounts)
            else sum((Decimal(a) for a in amounts), Decimal("0.00"))
        )
        codes = sorted({c for r in found for c in (r["reason_codes"] or [])})
        unverified = sorted({c for r in found for c in (r["unverified_parameters"] or [])})
        programme = BY_NAME[name]
        people = tuple(
            (
                int(r["person_id"]),
                None if r["monthly_amount"] is None else Decimal(r["monthly_amount"]),
            )
            for r in eligible
            if r["person_id"] is not None
        )
        out.append(
            ProgrammeResult(
                programme=name,
                label=programme.label,
                status=status,
                monthly_amount=amount if status == "eligible" else None,
                subjects=len(eligible) if eligible else len(found),
                reason_codes=tuple(codes),
                unverified_parameters=tuple(unverified),
                cash=programme.cash,
                people=people,
            )
        )
    order = {name: i for i, name in enumerate(BY_NAME)}
    return sorted(out, key=lambda p: order[p.programme])


def assess_household(
    *, household: Any, as_of: dt.date, explain_programmes: tuple[str, ...] | None = None
) -> Assessment:
    """Evaluate ``household`` with the parameters in force on ``as_of``.

    ``explain_programmes``: which programmes to explain (default: those the household is eligible
    for, or every case programme with a row when it is eligible for none). Pass ``()`` to skip.
    """
    snap = limits.parameters_on(as_of)
    source = registry_snapshot.household_source(household=household, as_of=as_of)
    rows = evaluate(source, snap, as_of).to_pyarrow().to_pylist()
    rows = [r for r in rows if r["household_id"] == household.pk]
    results = _results(rows)
    assessment = Assessment(
        as_of=as_of,
        programmes=[p for p in results if p.programme in CASE_PROGRAMMES],
        linked=[p for p in results if p.programme not in CASE_PROGRAMMES],
    )
    if explain_programmes is None:
        chosen = [p.programme for p in assessment.eligible + assessment.excluded] or [
            p.programme for p in assessment.programmes if p.programme in ("dibao", "tekun")
        ]
    else:
        chosen = list(explain_programmes)
    for name in chosen:
        assessment.explanations[name] = explain(
            source, household.pk, name, parameters=snap, as_of=as_of
        ).as_dict()
    return assessment
