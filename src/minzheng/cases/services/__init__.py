"""Writes of the cases app. Callers import this package:

    from minzheng.cases import services as case_services
    case = case_services.case_open(household=household, by=user, programmes=["dibao"])
    case = case_services.case_accept(case=case, by=user, expected_version=case.version)

Every function is keyword-only, checks who may act (the system acts with ``by=None``), runs in
one transaction and writes audit events. Status changes go through ``minzheng.cases.workflow``;
``expected_version`` is the case version the actor saw (a stale one raises ``workflow.Conflict``).
"""

from minzheng.cases.services.alerts import case_open_from_alert
from minzheng.cases.services.checks import (
    CheckResult,
    daily_check,
    daily_check_task,
    deadlines_check,
    exits_end,
    rechecks_open,
    referrals_check,
)
from minzheng.cases.services.decisions import (
    case_decide,
    case_finish_follow_up,
    case_notify_refusal,
    case_return_to_township,
    case_start_exit,
    case_stop_payment,
    household_is_stable,
    next_recheck,
)
from minzheng.cases.services.documents import (
    UPLOAD_KINDS,
    document_printed,
    document_upload,
    document_viewed,
    document_withdraw,
)
from minzheng.cases.services.payments import (
    paying_cases,
    payment_create,
    payment_roll_exported,
    payments_generate,
)
from minzheng.cases.services.referrals import needs_consent, referral_act, referral_send
from minzheng.cases.services.steps import (
    PROCEDURE_STATUSES,
    case_accept,
    case_end_notice,
    case_extend,
    case_finish_check,
    case_finish_visit,
    case_open,
    case_reinvestigate,
    case_request_documents,
    case_review,
    case_start_check,
    case_withdraw,
    open_case_of,
)

__all__ = [
    "PROCEDURE_STATUSES",
    "UPLOAD_KINDS",
    "CheckResult",
    "case_accept",
    "case_decide",
    "case_end_notice",
    "case_extend",
    "case_finish_check",
    "case_finish_follow_up",
    "case_finish_visit",
    "case_notify_refusal",
    "case_open",
    "case_open_from_alert",
    "case_reinvestigate",
    "case_request_documents",
    "case_return_to_township",
    "case_review",
    "case_start_check",
    "case_start_exit",
    "case_stop_payment",
    "case_withdraw",
    "daily_check",
    "daily_check_task",
    "deadlines_check",
    "document_printed",
    "document_upload",
    "document_viewed",
    "document_withdraw",
    "exits_end",
    "household_is_stable",
    "needs_consent",
    "next_recheck",
    "open_case_of",
    "paying_cases",
    "payment_create",
    "payment_roll_exported",
    "payments_generate",
    "rechecks_open",
    "referral_act",
    "referral_send",
    "referrals_check",
]
