"""Monitoring's platform settings: risk-signal thresholds, scores, deadlines, the nightly hour.

None of these is a policy value. No policy text sets when a hospital bill becomes a warning or how
many working days a township has to look at one; these are the platform's working settings (tag
**P**, ``verified: false`` in the parameter catalogue's words), chosen so that the township's list
stays short enough to work through, and each one can be overridden in Django settings::

    MINZHENG_MONITORING = {"risk_medical_amount": 30000, "deadline_workdays": {"risk": 2}}

Every run records the values it used (``ScreeningRun.settings``) next to the policy parameters.
Where a default follows a rule, the rule is named beside it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class MonitoringSettings:
    # --- risk signals (programmes.md §7) ---------------------------------------------------------
    # Days back from the run's date within which an event or a bill counts as a new signal.
    risk_window_days: int = 90
    # Medical out-of-pocket spending within the window that is "large" (yuan), or its share of
    # the household's counted income over the last 12 months, whichever is reached first.
    risk_medical_amount: Decimal = Decimal("20000")
    risk_medical_income_share: Decimal = Decimal("0.5")
    # Education spending over the last 365 days that is "heavy": at least this much (yuan) and
    # at least this share of the household's income (or the income is unknown).
    risk_education_amount: Decimal = Decimal("10000")
    risk_education_income_share: Decimal = Decimal("0.3")
    # Risk alerts go only to households whose income per person is below last year's per-capita
    # disposable income (the income test of 支出型临时救助, programmes.md §5) or unknown. When the
    # parameter has no value, every household with a signal gets one.
    risk_income_filter: bool = True

    # --- scores (0–100) ---------------------------------------------------------------------------
    # A discovery alert scores the highest weight of the programmes found, plus ``score_extra``
    # for each further programme and reason; likewise exit reviews and risk signals.
    discovery_scores: dict[str, int] = field(
        default_factory=lambda: {
            "tekun": 90,
            "dibao": 85,
            "dibao_individual": 75,
            "rigid_hardship": 65,
            "near_dibao": 55,
        }
    )
    exit_scores: dict[str, int] = field(
        default_factory=lambda: {
            "no_counted_members": 95,
            "person_deceased": 95,
            "income_above_line": 75,
            "vehicle": 80,
            "business_role": 80,
            "assets_above_limit": 70,
            "housing": 60,
            "home_purchase": 60,
            "member_died": 60,
            "member_left": 50,
            "other_condition": 50,
        }
    )
    risk_scores: dict[str, int] = field(
        default_factory=lambda: {
            "earner_died": 85,
            "disaster": 80,
            "large_medical_spending": 75,
            "serious_illness": 70,
            "new_severe_disability": 70,
            "main_earner_unemployed": 65,
            "new_disability": 55,
            "accident": 60,
            "heavy_school_costs": 50,
            "member_unemployed": 40,
        }
    )
    score_extra: int = 5
    report_score: int = 70

    # --- verification deadlines (限时核查), in working days -----------------------------------
    # Taking the alert up (start verification, convert, dismiss): discovery, risk and reports
    # 3 working days — the township starts the means test within 3 working days of accepting
    # (programmes.md §1, [K]); exit reviews 10 working days — a reported change is re-assessed
    # within 10 working days (特困 self-care re-assessment, programmes.md §2).
    deadline_workdays: dict[str, int] = field(
        default_factory=lambda: {"discovery": 3, "risk": 3, "exit_review": 10}
    )
    # Finishing verification once started: the township investigates within 15 working days of
    # accepting (特困, programmes.md §2 [M]).
    verification_workdays: int = 15
    # A dismissed alert is not raised again for the same household and kind, with the same
    # reasons, for this many days (a new reason raises it at once).
    dismissal_quiet_days: int = 180

    # --- schedule -----------------------------------------------------------------------------
    nightly_hour: int = 2  # local time; the worker enqueues the day's run from this hour on
    keep_eligibility_files: int = 5  # previous runs' eligible lists kept for comparisons

    def as_json(self) -> dict[str, Any]:
        """The settings as JSON values (decimals as text), for the run record."""
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}


def monitoring_settings() -> MonitoringSettings:
    """The defaults, overridden by ``settings.MINZHENG_MONITORING`` (dicts merge key by key)."""
    base = MonitoringSettings()
    overrides: dict[str, Any] = dict(getattr(settings, "MINZHENG_MONITORING", {}) or {})
    values: dict[str, Any] = {}
    for name, value in overrides.items():
        if not hasattr(base, name):
            raise ValueError(f"MINZHENG_MONITORING: unknown setting {name!r}")
        current = getattr(base, name)
        if isinstance(current, dict):
            values[name] = {**current, **value}
        elif isinstance(current, Decimal):
            values[name] = Decimal(str(value))
        else:
            values[name] = value
    return replace(base, **values)
