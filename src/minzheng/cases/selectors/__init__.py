"""Reads of the cases app. Callers import this package:

    from minzheng.cases import selectors as case_selectors
    case = get_object_or_404(case_selectors.cases_visible(request.user), number=number)

Every query of scoped data starts from the functions of ``selectors.scope``, which go through
``minzheng.accounts.scope.restrict``.
"""

from minzheng.cases.selectors.detail import (
    CaseDetail,
    DeadlineRow,
    TimelineItem,
    case_detail,
    case_timeline,
    deadline_rows,
    deadline_state,
    programme_labels,
    transition_label,
)
from minzheng.cases.selectors.notices import (
    NoticeRow,
    mask_name,
    notice_rows,
    notice_villages,
)
from minzheng.cases.selectors.payments import RollRow, payment_roll
from minzheng.cases.selectors.scope import (
    ANSWER,
    DECIDE,
    EXPORT,
    VIEW,
    WORK,
    cases_visible,
    documents_visible,
    payments_visible,
    referral_receivers,
    referrals_of_cases,
    referrals_to_answer,
)
from minzheng.cases.selectors.worklists import (
    OverdueRow,
    county_decisions,
    escalated_cases,
    overdue_counties,
    overdue_townships,
    referrals_overdue_sent,
    referrals_waiting,
    township_tasks,
)

__all__ = [
    "ANSWER",
    "DECIDE",
    "EXPORT",
    "VIEW",
    "WORK",
    "CaseDetail",
    "DeadlineRow",
    "NoticeRow",
    "OverdueRow",
    "RollRow",
    "TimelineItem",
    "case_detail",
    "case_timeline",
    "cases_visible",
    "county_decisions",
    "deadline_rows",
    "deadline_state",
    "documents_visible",
    "escalated_cases",
    "mask_name",
    "notice_rows",
    "notice_villages",
    "overdue_counties",
    "overdue_townships",
    "payment_roll",
    "payments_visible",
    "programme_labels",
    "referral_receivers",
    "referrals_of_cases",
    "referrals_overdue_sent",
    "referrals_to_answer",
    "referrals_waiting",
    "township_tasks",
    "transition_label",
]
