"""The cases app's pages (thin: parse, call one service or selector, render)."""

from minzheng.cases.views.cases import (
    case_detail,
    case_from_alert,
    case_list,
    case_open,
    case_print,
    case_step,
    document_download,
    document_upload,
    notice_list,
    notice_print,
    payment_roll,
    referral_create,
)
from minzheng.cases.views.worklists import (
    referral_answer,
    referral_detail,
    referral_list,
    referral_withdraw,
    worklist,
)

__all__ = [
    "case_detail",
    "case_from_alert",
    "case_list",
    "case_open",
    "case_print",
    "case_step",
    "document_download",
    "document_upload",
    "notice_list",
    "notice_print",
    "payment_roll",
    "referral_answer",
    "referral_create",
    "referral_detail",
    "referral_list",
    "referral_withdraw",
    "worklist",
]
