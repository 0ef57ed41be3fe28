"""Recording a division change (区划变更) as a draft, from a change file or a form.

A change is data: a kind, an effective date, its legal basis and a list of items, each one of
create / rename / transfer / retire. Recording checks every item against today's tree and
expands ``children_of`` into concrete units, so the draft shows exactly what will move.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.audit import services as audit_services
from minzheng.divisions.models import Division, DivisionChange, DivisionChangeItem

NEW_PREFIX = "new:"
CODE_DIGITS = {
    Division.Level.COUNTY: 6,
    Division.Level.TOWNSHIP: 9,
    Division.Level.VILLAGE: 12,
}
LEVEL_ABOVE = {
    Division.Level.COUNTY: Division.Level.CITY,
    Division.Level.TOWNSHIP: Division.Level.COUNTY,
    Division.Level.VILLAGE: Division.Level.TOWNSHIP,
}
Op = DivisionChangeItem.Operation
ITEM_RELATIONS = ["change", "division", "parent", "old_parent", "successor"]


def _parse_date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError({field: _("日期格式应为 YYYY-MM-DD：%(v)s") % {"v": value}}) from exc


class _ItemBuilder:
    """Turns the items of a change spec into ``DivisionChangeItem`` rows, checking each one."""

    def __init__(self) -> None:
        self.items: list[DivisionChangeItem] = []
        self.keys: dict[str, str] = {}  # key -> level of the unit created under that key

    def error(self, index: int, message: str) -> ValidationError:
        return ValidationError(_("第 %(n)d 项：%(msg)s") % {"n": index + 1, "msg": message})

    def active(self, index: int, code: Any) -> Division:
        try:
            division = Division.objects.get(code=str(code))
        except Division.DoesNotExist as exc:
            raise self.error(index, _("区划代码 %(c)s 不存在") % {"c": code}) from exc
        if not division.is_active:
            raise self.error(index, _("%(d)s 已撤销") % {"d": division})
        return division

    def target(self, index: int, ref: Any, field: str) -> tuple[Division | None, str]:
        """An existing division by code, or ``new:<key>`` for a unit this change creates."""
        if ref in (None, ""):
            raise self.error(index, _("缺少 %(f)s") % {"f": field})
        ref = str(ref)
        if ref.startswith(NEW_PREFIX):
            key = ref.removeprefix(NEW_PREFIX)
            if key not in self.keys:
                raise self.error(index, _("%(r)s 未在前面的“新设”事项中定义") % {"r": ref})
            return None, key
        return self.active(index, ref), ""

    def level_of(self, division: Division | None, key: str) -> str:
        return division.level if division is not None else self.keys[key]

    def add(self, **fields: Any) -> None:
        self.items.append(DivisionChangeItem(position=len(self.items) + 1, **fields))

    def build(self, index: int, spec: Mapping[str, Any]) -> None:
        op = spec.get("op")
        if op == Op.CREATE:
            self.create(index, spec)
        elif op == Op.RENAME:
            division = self.active(index, spec.get("code"))
            name = str(spec.get("name") or "").strip()
            if not name:
                raise self.error(index, _("更名须给出新名称"))
            self.add(operation=Op.RENAME, division=division, name=name, old_name=division.name)
        elif op == Op.TRANSFER:
            self.transfer(index, spec)
        elif op == Op.RETIRE:
            division = self.active(index, spec.get("code"))
            successor, successor_key = (None, "")
            if spec.get("successor"):
                successor, successor_key = self.target(index, spec["successor"], "successor")
            self.add(
                operation=Op.RETIRE,
                division=division,
                successor=successor,
                successor_key=successor_key,
                old_name=division.name,
                old_parent=division.parent,
            )
        else:
            raise self.error(index, _("未知操作 %(op)s") % {"op": op})

    def create(self, index: int, spec: Mapping[str, Any]) -> None:
        key = str(spec.get("key") or "")
        if not re.fullmatch(r"[a-z0-9_-]{1,40}", key) or key in self.keys:
            raise self.error(index, _("新设事项须有唯一的标识 key（小写字母、数字）"))
        level = str(spec.get("level") or "")
        if level not in CODE_DIGITS:
            raise self.error(index, _("层级应为 county / township / village"))
        name = str(spec.get("name") or "").strip()
        if not name:
            raise self.error(index, _("新设单位须有名称"))
        parent, parent_key = self.target(index, spec.get("parent"), "parent")
        if self.level_of(parent, parent_key) != LEVEL_ABOVE[Division.Level(level)]:
            raise self.error(index, _("上级区划的层级不对"))
        code = str(spec.get("code") or "")
        if code:
            check_new_code(code, level)
        self.keys[key] = level
        self.add(
            operation=Op.CREATE,
            key=key,
            name=name,
            level=level,
            parent=parent,
            parent_key=parent_key,
            new_code=code,
        )

    def transfer(self, index: int, spec: Mapping[str, Any]) -> None:
        parent, parent_key = self.target(index, spec.get("to"), "to")
        codes = [str(c) for c in spec.get("codes") or []]
        if spec.get("children_of"):
            source = self.active(index, spec["children_of"])
            excluded = {str(c) for c in spec.get("except") or []}
            unknown = excluded - set(source.children.values_list("code", flat=True))
            if unknown:
                raise self.error(
                    index, _("except 中的 %(c)s 不是其下级") % {"c": ", ".join(sorted(unknown))}
                )
            codes += [
                c
                for c in source.children.filter(valid_to__isnull=True)
                .order_by("code")
                .values_list("code", flat=True)
                if c not in excluded
            ]
        if not codes:
            raise self.error(index, _("隶属调整须列出 codes 或 children_of"))
        target_level = self.level_of(parent, parent_key)
        for code in codes:
            division = self.active(index, code)
            if LEVEL_ABOVE.get(Division.Level(division.level)) != target_level:
                raise self.error(index, _("%(d)s 不能调整到该层级的上级之下") % {"d": division})
            self.add(
                operation=Op.TRANSFER,
                division=division,
                parent=parent,
                parent_key=parent_key,
                old_parent=division.parent,
                old_name=division.name,
            )


def check_new_code(code: str, level: str) -> None:
    """A new unit's code: the level's digit count, starting 50, and never used before."""
    digits = CODE_DIGITS[Division.Level(level)]
    if not re.fullmatch(rf"50\d{{{digits - 2}}}", code):
        raise ValidationError(
            _("新设单位代码 %(c)s 应为以 50 开头的 %(n)d 位数字") % {"c": code, "n": digits}
        )
    if Division.objects.filter(code=code).exists():
        raise ValidationError(
            _("代码 %(c)s 已被使用（区划代码不得重复使用，含已撤销的区划）") % {"c": code}
        )


def change_record(*, spec: Mapping[str, Any], by: Any) -> DivisionChange:
    """Record a change as a draft from its spec (the shape of ``divisions/changes/*.json``).

    ``spec`` holds kind, title, approved_on, effective_on, document, doc_number, description and
    ``items``; each item is one of
    ``{"op": "create", "key", "name", "level", "parent": CODE | "new:KEY", "code"?}``,
    ``{"op": "rename", "code", "name"}``,
    ``{"op": "transfer", "codes": [...] | "children_of": CODE, "except"?: [...], "to": ...}``,
    ``{"op": "retire", "code", "successor"?: CODE | "new:KEY"}``.
    ``children_of`` is expanded to the concrete units at recording time, so the draft shows
    exactly what will move. Raises ``ValidationError`` naming the item at fault.
    """
    effective_on = _parse_date(spec.get("effective_on"), "effective_on")
    if effective_on is None:
        raise ValidationError({"effective_on": _("须给出生效日期")})
    raw_items: Sequence[Mapping[str, Any]] = spec.get("items") or []
    if not raw_items:
        raise ValidationError({"items": _("变更至少要有一项")})
    with transaction.atomic():
        change = DivisionChange(
            kind=str(spec.get("kind") or ""),
            title=str(spec.get("title") or "").strip(),
            approved_on=_parse_date(spec.get("approved_on"), "approved_on"),
            effective_on=effective_on,
            document=str(spec.get("document") or ""),
            doc_number=str(spec.get("doc_number") or ""),
            description=str(spec.get("description") or ""),
            status=DivisionChange.Status.DRAFT,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        change.full_clean()
        change.save()
        builder = _ItemBuilder()
        for index, item_spec in enumerate(raw_items):
            builder.build(index, item_spec)
        for item in builder.items:
            item.change = change
            # The builder fetched every division it names; the database enforces the rest.
            item.full_clean(exclude=ITEM_RELATIONS, validate_constraints=False)
        DivisionChangeItem.objects.bulk_create(builder.items)
        audit_services.record_event(
            actor=by,
            action="division.change.record",
            obj=change,
            after={
                "title": change.title,
                "kind": change.kind,
                "effective_on": change.effective_on,
                "items": len(builder.items),
            },
            division_code="500000",
        )
    return change


def read_change_spec(path: str | Path) -> dict[str, Any]:
    """The spec in a change file (JSON, as in ``divisions/changes/``), ready for ``change_record``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(_("无法读取变更文件 %(p)s：%(e)s") % {"p": path, "e": exc}) from exc
    if not isinstance(data, dict):
        raise ValidationError(_("变更文件应为一个 JSON 对象"))
    return data
