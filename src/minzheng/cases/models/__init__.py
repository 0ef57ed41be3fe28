"""The cases app's models: cases and their events, deadlines, documents; referrals; payments."""

from minzheng.cases.models.case import (
    Case,
    CaseDeadline,
    CaseDocument,
    CaseEvent,
    DailyCheckRun,
    WorkflowSettings,
)
from minzheng.cases.models.payment import Payment
from minzheng.cases.models.referral import Referral, ReferralEvent

__all__ = [
    "Case",
    "CaseDeadline",
    "CaseDocument",
    "CaseEvent",
    "DailyCheckRun",
    "Payment",
    "Referral",
    "ReferralEvent",
    "WorkflowSettings",
]
