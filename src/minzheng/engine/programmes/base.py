"""What a programme module declares, and the context it computes in.

A programme is a name, a level (household or person), its conditions and parameters, and a
``compute(ctx)`` that returns a *frame*: one row per subject with a nullable boolean column
``c_<code>`` per condition, ``amount_fen`` (the monthly amount if eligible, in fen) and the key
values. ``evaluate`` turns frames into determinations; ``explain`` reads the same frame for one
household. Programmes are registered explicitly in ``programmes/__init__.py``.

Frames are projections of the member or household facts (joined at most with the household
facts): no programme joins another programme's frame, so the whole catalogue is a handful of
passes over the facts whatever the population's size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import ibis.expr.types as ir

from minzheng.engine.expr import bool_null, status_of
from minzheng.engine.facts import Facts
from minzheng.engine.parameters import ParameterSnapshot

Level = Literal["household", "person"]


@dataclass(frozen=True)
class Condition:
    """One eligibility condition: its code (used in reason codes) and its Chinese wording.

    ``decisive`` conditions decide the status (all must hold); the others are shown in the
    explanation only. ``values`` names frame columns the explanation shows beside it.
    """

    code: str
    label: str
    parameters: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    decisive: bool = True


@dataclass(frozen=True)
class Programme:
    name: str
    label: str
    level: Level
    legal_basis: str
    conditions: tuple[Condition, ...]
    compute: Callable[[Context], ir.Table]
    # Parameters the amount needs (an eligible subject with an unknown amount names them).
    amount_parameters: tuple[str, ...] = ()
    # Words for the amount in the explanation.
    amount_label: str = "月救助金额"
    cash: bool = True

    @property
    def parameters(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for cond in self.conditions:
            for name in cond.parameters:
                seen[name] = None
        for name in self.amount_parameters:
            seen[name] = None
        return tuple(seen)


@dataclass
class Context:
    """What ``compute`` reads: the facts, the parameters, and the frames computed before.

    ``facts.households`` carries, once the tier programmes are decided, one column per tier:
    ``tekun_on`` (a member is on 特困), ``dibao_on`` and ``near_dibao_on`` — eligible now or
    already enrolled, three-valued, null for a household missing from the households table.
    Later programmes read these columns instead of joining the tier programmes' frames.
    """

    facts: Facts
    snap: ParameterSnapshot
    frames: dict[str, ir.Table] = field(default_factory=dict)

    @property
    def as_of(self) -> dt.date:
        return self.snap.as_of


Columns = Mapping[str, ir.Value]


def decided(programme: Programme, frame: ir.Table | Columns) -> ir.BooleanValue:
    """All decisive conditions, in three-valued logic (of a frame, or of its columns)."""
    result: ir.BooleanValue | None = None
    for cond in programme.conditions:
        if not cond.decisive:
            continue
        col = frame[f"c_{cond.code}"]
        result = col if result is None else result & col
    return result if result is not None else bool_null()


def on(programme: Programme, columns: Columns) -> ir.BooleanValue:
    """Eligible now or already enrolled (three-valued), from a programme's columns."""
    # ``decided`` is already three-valued (true eligible, false ineligible, null unknown): going
    # through the status words and back would write the whole condition four times in the SQL.
    return decided(programme, columns) | columns["enrolled"]


def with_status(programme: Programme, frame: ir.Table) -> ir.Table:
    return frame.mutate(status=status_of(decided(programme, frame)))
