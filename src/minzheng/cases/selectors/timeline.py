"""The household timeline's case entries (一户一条救助链): every case step, document, referral and
payment of a household. Registered from ``CasesConfig.ready`` with the registry's provider hook."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from minzheng.cases.models import Case, CaseDocument, CaseEvent, Payment, ReferralEvent
from minzheng.cases.selectors.detail import transition_label
from minzheng.registry.selectors import timeline

CATEGORIES = {
    "case": ("救助案件", "signpost-split"),
    "case_document": ("案件材料", "paperclip"),
    "referral": ("转介", "send"),
    "payment": ("救助金发放", "cash-coin"),
}


def _who(user: Any) -> str:
    if user is None:
        return "系统"
    return getattr(user, "full_name", "") or getattr(user, "username", "")


def case_entries(household: Any, members: list[Any]) -> Iterable[timeline.TimelineEntry]:
    """Entries for every case of ``household``."""
    statuses = dict(Case.Status.choices)
    urls = {
        pk: reverse("cases:detail", kwargs={"number": number})
        for pk, number in Case.objects.filter(household=household).values_list("pk", "number")
    }
    if not urls:
        return
    for e in CaseEvent.objects.filter(case_id__in=urls).select_related("case", "by"):
        yield timeline.TimelineEntry(
            when=e.at,
            category="case",
            title=f"案件 {e.case.number}：{transition_label(e.transition)}",
            detail="；".join(
                p
                for p in (f"→ {statuses.get(e.to_status, e.to_status)}", e.reason, _who(e.by))
                if p
            ),
            url=urls[e.case_id],
        )
    for d in CaseDocument.objects.filter(case_id__in=urls).select_related("case"):
        yield timeline.TimelineEntry(
            when=d.uploaded_at,
            category="case_document",
            title=f"{d.get_kind_display()}：{d.original_name}"
            + ("（已作废）" if d.closed_at else ""),
            detail=f"案件 {d.case.number}",
            url=urls[d.case_id],
        )
    for r in ReferralEvent.objects.filter(referral__case_id__in=urls).select_related(
        "referral__to_org_unit", "referral__case", "by"
    ):
        referral = r.referral
        yield timeline.TimelineEntry(
            when=r.at,
            category="referral",
            title=f"转介{referral.get_kind_display()}至{referral.to_org_unit.name}："
            f"{r.get_to_status_display()}",
            detail="；".join(p for p in (r.text, _who(r.by)) if p),
            url=urls[referral.case_id],
        )
    for p in Payment.objects.filter(case_id__in=urls).select_related("case"):
        yield timeline.TimelineEntry(
            when=p.month,
            category="payment",
            title=f"{p.month:%Y年%m月}救助金 {p.amount:,.2f} 元",
            detail=f"案件 {p.case.number}",
            url=urls[p.case_id],
        )


def register() -> None:
    """Add the case categories and provider to the household timeline."""
    for key, (label, icon) in CATEGORIES.items():
        timeline.register_category(key, label, icon)
    timeline.register_provider("cases")(case_entries)
