"""Timeline entries from the audit trail: who changed the household or its members' records, and when.

Reads ``AuditEvent`` rows directly, narrowed to this household and to its members' subject keys
within the span they belonged. The user already reached the household through scope; the audit
app's own selectors require ``audit.view`` (the auditor's page), which caseworkers do not hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from minzheng.audit.models import AuditEvent
from minzheng.registry.models import Household
from minzheng.registry.selectors.sources import SourceInfo
from minzheng.registry.selectors.timeline import TimelineEntry, TimelineMember, register_provider

ACTION_LABELS: dict[str, str] = {
    "household.create": "建立家庭档案",
    "household.update": "修改家庭信息",
    "household.head.change": "变更户主",
    "household.member.add": "新增家庭成员",
    "household.member.change": "变更成员关系或不计入原因",
    "household.member.end": "成员迁出",
    "household.member.move": "成员迁移",
    "household.split": "分户",
    "household.merge": "并入其他家庭（合户）",
    "household.merge.receive": "其他家庭并入本户（合户）",
    "person.register": "人员建档",
    "person.update": "人员信息变更",
    "pii.view": "查看完整身份证号码",
}
_FACT_WORDS = {
    "income": "收入",
    "asset": "财产",
    "expenditure": "刚性支出",
    "life_event": "生活事件",
    "enrolment": "救助享受",
}
for _kind, _word in _FACT_WORDS.items():
    ACTION_LABELS[f"{_kind}.record"] = f"记录{_word}"
    ACTION_LABELS[f"{_kind}.close"] = f"注销{_word}记录"


def action_label(action: str) -> str:
    """The Chinese words for an audit action (the code itself when unknown)."""
    return ACTION_LABELS.get(action, action)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def events_q(household: Household, members: list[TimelineMember]) -> Q:
    """Events on the household itself, and on its members while they belonged."""
    q = Q(object_type="registry.household", object_id=str(household.pk))
    for m in members:
        span = Q(subject_key=m.subject_key)
        if m.since is not None:
            span &= Q(at__gte=_midnight(m.since))
        if m.until is not None:
            span &= Q(at__lt=_midnight(m.until))
        q |= span
    return q


@register_provider("audit")
def audit_entries(household: Household, members: list[TimelineMember]) -> Iterable[TimelineEntry]:
    names = {m.subject_key: m.name for m in members}
    for event in AuditEvent.objects.filter(events_q(household, members)).order_by("id"):
        actor = event.actor_name or event.actor_username or "系统"
        yield TimelineEntry(
            when=event.at,
            category="audit",
            title=action_label(event.action),
            detail=event.reason,
            person=names.get(event.subject_key, ""),
            source=SourceInfo(
                kind="worker" if event.actor_username else "unknown",
                label=actor,
                detail=f"审计事件 {event.sequence}",
                at=event.at,
            ),
        )
