"""Printable documents of a decision, as PDF with Chinese text rendered offline.

- 审批表 (``approval_form``): the household, the steps and the county's decision on one form;
- 救助证明 (``certificate``): proof that the household receives assistance;
- 不予救助告知书 (``refusal_notice``): the refusal with its written reasons and the remedies.

The text is set in WenQuanYi Micro Hei (Debian package ``fonts-wqy-microhei``), embedded as a
subset; ``MINZHENG_CJK_FONT`` names another TrueType/TTC file. Nothing is fetched at run time.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from minzheng.cases.models import Case
from minzheng.cases.selectors.detail import programme_labels
from minzheng.registry import labels as registry_labels
from minzheng.registry import selectors as registry_selectors

FONT_NAME = "MZ-CJK"
DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
PLATFORM = "重庆市民政协同增效平台"


@cache
def _font() -> str:
    path = Path(os.environ.get("MINZHENG_CJK_FONT", DEFAULT_FONT))
    if not path.exists():
        raise ImproperlyConfigured(
            f"Chinese font not found at {path}: install the Debian package fonts-wqy-microhei "
            "(or set MINZHENG_CJK_FONT to a TrueType/TTC font with Chinese glyphs)"
        )
    kwargs = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), **kwargs))
    return FONT_NAME


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, alignment=TA_CENTER, fontSize=9),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=14),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    safe = str(text if text not in (None, "") else "—")
    safe = safe.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(safe.replace("\n", "<br/>"), style)


def _table(rows: Sequence[Sequence[Any]], widths: Sequence[float], style: ParagraphStyle) -> Table:
    table = Table([[_p(c, style) for c in row] for row in rows], colWidths=list(widths))
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
            ]
        )
    )
    return table


def _date(value: Any) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


def _money(value: Any) -> str:
    return f"{value:,.2f} 元" if value is not None else "—"


def _build(story_for: Callable[[dict[str, ParagraphStyle]], list[Any]], title: str) -> bytes:
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=PLATFORM,
    )
    doc.build(story_for(styles))
    return buffer.getvalue()


def _household_rows(case: Case) -> list[list[Any]]:
    household = case.household
    head = household.head
    members = registry_selectors.counted_members(household, case.decided_on or timezone.localdate())
    names = "、".join(
        f"{m.person.name}（{registry_labels.label(registry_labels.RELATIONS, m.relation)}）"
        for m in members
    )
    return [
        ["案件编号", case.number],
        ["户主", head.name if head else "—"],
        ["身份证号码", head.id_number_masked if head else "—"],
        ["家庭编号", household.number],
        ["住址", f"{registry_selectors.division_text(household.division)} {household.address}"],
        ["共同生活家庭成员", f"{len(members)} 人：{names}"],
        ["申请项目", "、".join(label for _n, label in programme_labels(case.programmes))],
    ]


def approval_form(case: Case) -> bytes:
    """审批表: the household, every step's record and the county decision."""
    decided = case.decision == Case.Decision.APPROVED
    granted = "、".join(p.get("label", p.get("programme", "")) for p in case.approved_programmes)

    def story(s: dict[str, ParagraphStyle]) -> list[Any]:
        rows = [
            *_household_rows(case),
            ["受理日期", _date(case.accepted_on)],
            ["家庭经济状况核对", case.check_summary],
            ["入户调查", f"{_date(case.visited_on)}：{case.visit_notes}"],
            [
                "乡镇(街道)初审意见",
                f"{case.get_recommendation_display() or '—'}：{case.review_opinion}",
            ],
            [
                "公示",
                f"{_date(case.notice_starts_on)} 至 {_date(case.notice_ends_on)}"
                + (f"；异议：{case.notice_objections}" if case.notice_objections else "；无异议"),
            ],
            [
                "区县审核确认",
                f"{case.get_decision_display() or '待审核确认'}（{_date(case.decided_on)}）",
            ],
            ["核定救助项目", granted if decided else "—"],
            ["月救助金额", _money(case.monthly_amount) if decided else "—"],
            ["审核确认意见", case.decision_reasons],
            ["经办人签字", ""],
            ["审核人签字（盖章）", ""],
        ]
        return [
            _p("社会救助审核确认审批表", s["title"]),
            _p(f"{PLATFORM} · 打印于 {_date(timezone.localdate())}", s["subtitle"]),
            Spacer(1, 6 * mm),
            _table(rows, [42 * mm, 132 * mm], s["cell"]),
        ]

    return _build(story, "社会救助审核确认审批表")


def certificate(case: Case) -> bytes:
    """救助证明: that the household receives the granted programmes from the month of approval."""
    if case.decision != Case.Decision.APPROVED:
        raise ValueError("a certificate needs an approved case")
    head = case.household.head
    granted = "、".join(p.get("label", p.get("programme", "")) for p in case.approved_programmes)

    def story(s: dict[str, ParagraphStyle]) -> list[Any]:
        start = case.payment_start_month or case.decided_on
        text = (
            f"兹证明{head.name if head else ''}（身份证号码 {head.id_number_masked if head else ''}）"
            f"家庭，经{case.division.parent.name if case.division.parent else ''}民政服务站受理、"
            f"区县民政局审核确认，自{_date(start)}起享受{granted}，"
            f"月救助金额 {_money(case.monthly_amount)}。"
        )
        return [
            _p("社会救助证明", s["title"]),
            Spacer(1, 10 * mm),
            _p(text, s["body"]),
            Spacer(1, 6 * mm),
            _p(f"案件编号：{case.number}；下次复核：{_date(case.next_recheck_on)}。", s["small"]),
            Spacer(1, 20 * mm),
            _p(f"区县民政局（盖章）　　{_date(case.decided_on)}", s["body"]),
        ]

    return _build(story, "社会救助证明")


def refusal_notice(case: Case) -> bytes:
    """不予救助告知书: the refusal in writing, with its reasons and the remedies."""
    if case.decision != Case.Decision.REFUSED:
        raise ValueError("a refusal notice needs a refused case")
    head = case.household.head

    def story(s: dict[str, ParagraphStyle]) -> list[Any]:
        return [
            _p("不予救助告知书", s["title"]),
            Spacer(1, 10 * mm),
            _p(f"{head.name if head else ''}：", s["body"]),
            _p(
                f"您家庭于{_date(case.accepted_on)}提出的社会救助申请（案件编号 {case.number}），"
                f"经调查核实和审核，决定不予救助。理由如下：",
                s["body"],
            ),
            _p(case.decision_reasons, s["body"]),
            Spacer(1, 4 * mm),
            _p(
                "如对本决定不服，可以自收到本告知书之日起六十日内依法申请行政复议，"
                "或者在六个月内依法向人民法院提起行政诉讼。",
                s["body"],
            ),
            Spacer(1, 20 * mm),
            _p(f"区县民政局（盖章）　　{_date(case.decided_on)}", s["body"]),
        ]

    return _build(story, "不予救助告知书")


DOCUMENTS: dict[str, tuple[str, Callable[[Case], bytes]]] = {
    "approval_form": ("社会救助审核确认审批表", approval_form),
    "certificate": ("社会救助证明", certificate),
    "refusal_notice": ("不予救助告知书", refusal_notice),
}


def available(case: Case) -> list[tuple[str, str]]:
    """The documents ``case`` can print now: (key, title)."""
    keys = []
    if case.accepted_on is not None:
        keys.append("approval_form")
    if case.decision == Case.Decision.APPROVED:
        keys.append("certificate")
    if case.decision == Case.Decision.REFUSED:
        keys.append("refusal_notice")
    return [(k, DOCUMENTS[k][0]) for k in keys]
