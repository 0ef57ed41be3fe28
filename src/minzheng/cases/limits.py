"""The time limits of the procedure, read from the policy parameters in force on a date.

Every limit is a policy parameter (``engine/parameters/process.yaml``, loaded into the policy app);
no number of a policy text lives in the workflow's code. When the database holds no parameters at
all (a fresh install before ``minzheng load_parameters``) the reviewed seed is read instead, with a
warning in the log. A limit without a value refuses the step that needs it with a Chinese error.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from minzheng.engine import parameters as engine_parameters
from minzheng.engine.parameters import ParameterSnapshot
from minzheng.policy import selectors as policy_selectors

logger = logging.getLogger(__name__)

MEANS_TEST_START = "dibao.process.means_test_start_working_days"
PUBLIC_NOTICE_DAYS = "dibao.process.public_notice_days"
DECISION = "dibao.process.decision_working_days"
REFUSAL_NOTICE = "dibao.process.refusal_notice_working_days"
TOTAL = "dibao.process.total_working_days"
TOTAL_EXTENDED = "dibao.process.total_extended_working_days"
RECHECK_STABLE = "dibao.recheck.stable_months"
RECHECK_IRREGULAR = "dibao.recheck.irregular_months"
GRADUAL_EXIT = "dibao.gradual_exit.months"


def parameters_on(day: dt.date) -> ParameterSnapshot:
    """The parameter snapshot in force on ``day`` (the database; the seed if it holds none)."""
    definitions = policy_selectors.parameter_definitions()
    if not definitions:
        logger.warning("no policy parameters in the database: reading the reviewed seed")
        definitions = engine_parameters.load_seed()
    return engine_parameters.snapshot(day, definitions)


@dataclass(frozen=True)
class Limit:
    """One limit as in force: its value (None = not set), the parameter, and whether verified."""

    name: str
    value: int | None
    verified: bool
    description: str

    def required(self) -> int:
        """The value, or a Chinese error naming the parameter when it has none."""
        if self.value is None:
            raise ValidationError(
                f"办理期限参数“{self.description or self.name}”（{self.name}）尚未设置数值，"
                "请先在政策参数中录入。"
            )
        return self.value


def limit(name: str, day: dt.date, snap: ParameterSnapshot | None = None) -> Limit:
    """The limit ``name`` in force on ``day``."""
    resolved = (snap or parameters_on(day)).get(name)
    value = resolved.value
    return Limit(
        name=name,
        value=int(value) if isinstance(value, int) else None,
        verified=resolved.verified,
        description=resolved.description,
    )


@dataclass(frozen=True)
class ProcessLimits:
    """Every limit of the procedure in force on one day (for pages that show them all)."""

    on: dt.date
    means_test_start: Limit
    public_notice_days: Limit
    decision: Limit
    refusal_notice: Limit
    total: Limit
    total_extended: Limit
    recheck_stable_months: Limit
    recheck_irregular_months: Limit
    gradual_exit_months: Limit


def process_limits(day: dt.date) -> ProcessLimits:
    """All limits in force on ``day`` (one snapshot)."""
    snap = parameters_on(day)
    return ProcessLimits(
        on=day,
        means_test_start=limit(MEANS_TEST_START, day, snap),
        public_notice_days=limit(PUBLIC_NOTICE_DAYS, day, snap),
        decision=limit(DECISION, day, snap),
        refusal_notice=limit(REFUSAL_NOTICE, day, snap),
        total=limit(TOTAL, day, snap),
        total_extended=limit(TOTAL_EXTENDED, day, snap),
        recheck_stable_months=limit(RECHECK_STABLE, day, snap),
        recheck_irregular_months=limit(RECHECK_IRREGULAR, day, snap),
        gradual_exit_months=limit(GRADUAL_EXIT, day, snap),
    )
