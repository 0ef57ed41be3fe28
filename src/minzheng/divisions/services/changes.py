"""Division changes (区划变更): recording one as a draft, and applying it to the tree.

A change is data: a kind, an effective date, its legal basis and a list of items, each one of
create / rename / transfer / retire. Applying it updates today's tree (parents, paths, names,
retirements) and writes the history (``DivisionVersion``) that lets the tree be read as of any
date. The code of a unit the change creates is entered by the administrator who applies it; the
platform never invents a division code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.audit import services as audit_services
from minzheng.divisions.models import (
    Division,
    DivisionChange,
    DivisionChangeItem,
    DivisionVersion,
)
from minzheng.divisions.services.loading import village_area_type
from minzheng.divisions.signals import division_rehomed

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
VERSION_RELATIONS = ["division", "parent", "change"]


# --- recording a draft ------------------------------------------------------------------------


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
            _check_new_code(code, level)
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


def _check_new_code(code: str, level: str) -> None:
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


# --- applying ---------------------------------------------------------------------------------


@dataclass
class _Applied:
    created: list[str]
    renamed: list[str]
    transferred: list[str]
    retired: list[str]
    descendants_moved: int = 0


def _open_version(division: Division) -> DivisionVersion:
    version = (
        DivisionVersion.objects.select_for_update()
        .filter(division=division, valid_to__isnull=True)
        .first()
    )
    if version is None:  # a tree loaded before history existed: start it now
        version = DivisionVersion.objects.create(
            division=division, parent=division.parent, name=division.name
        )
    return version


def _new_version(
    division: Division, *, parent: Division | None, name: str, change: DivisionChange
) -> None:
    """End the division's open version on the effective date and open one with the new state."""
    effective = change.effective_on
    current = _open_version(division)
    if current.valid_from is not None and current.valid_from > effective:
        raise ValidationError(
            _("%(d)s 在 %(f)s 已有后续变更，不能再实施更早生效的变更")
            % {"d": division, "f": current.valid_from}
        )
    if current.valid_from == effective:
        # A second step on the same day (e.g. renamed and moved): amend that day's version.
        current.parent, current.name, current.change = parent, name, change
        current.full_clean(exclude=VERSION_RELATIONS, validate_constraints=False)
        current.save()
        return
    current.valid_to = effective
    current.save(update_fields=["valid_to"])
    new = DivisionVersion(
        division=division, parent=parent, name=name, valid_from=effective, change=change
    )
    new.full_clean(exclude=VERSION_RELATIONS, validate_unique=False, validate_constraints=False)
    new.save()


def _move_subtree(division: Division, new_parent: Division) -> int:
    """Re-parent ``division`` and rewrite the paths of it and all below it in one UPDATE."""
    old_prefix = division.path
    new_prefix = f"{new_parent.path}{division.code}/"
    moved = Division.objects.filter(path__startswith=old_prefix).update(
        path=Concat(
            Value(new_prefix),
            Substr("path", len(old_prefix) + 1),
            output_field=CharField(),
        )
    )
    Division.objects.filter(pk=division.pk).update(parent=new_parent)
    division.parent = new_parent
    division.path = new_prefix
    return moved - 1


def change_apply(
    *, change: DivisionChange, by: Any, new_codes: Mapping[str, str] | None = None
) -> DivisionChange:
    """Apply a draft change to the tree, in one transaction, and return it marked applied.

    ``new_codes`` maps each create item's key to the code the administrator entered (6 digits
    starting 50 for a county-level unit, never used before); a create item with no code
    entered is refused — the platform never invents a division code. Items run in order:
    creates add the unit and its first version; renames and transfers close the open version on
    the effective date and open a new one, and a transfer rewrites the paths of the whole
    subtree; retirements set ``valid_to``/``successor`` (a unit still holding current children
    cannot be retired). Then ``division_rehomed`` is sent for every unit retired with a
    successor, and one audit event ``division.change.apply`` is written.
    """
    new_codes = dict(new_codes or {})
    with transaction.atomic():
        change = DivisionChange.objects.select_for_update().get(pk=change.pk)
        if change.status != DivisionChange.Status.DRAFT:
            raise ValidationError(_("该变更已实施，不能再次实施"))
        effective = change.effective_on
        created: dict[str, Division] = {}
        done = _Applied(created=[], renamed=[], transferred=[], retired=[])
        rehomed: list[tuple[Division, Division]] = []
        items = list(change.items.select_related("division", "parent", "old_parent", "successor"))
        for item in items:
            if item.operation == Op.CREATE:
                division = _apply_create(item, created, new_codes, change)
                created[item.key] = division
                done.created.append(division.code)
                continue
            assert item.division is not None  # a database constraint: only creates lack one
            division = Division.objects.select_for_update().get(pk=item.division.pk)
            if not division.is_active:
                raise ValidationError(_("%(d)s 已撤销，无法实施此项") % {"d": division})
            if item.operation == Op.RENAME:
                _new_version(division, parent=division.parent, name=item.name, change=change)
                division.name = item.name
                division.full_clean(validate_unique=False, validate_constraints=False)
                Division.objects.filter(pk=division.pk).update(name=item.name)
                done.renamed.append(division.code)
            elif item.operation == Op.TRANSFER:
                if item.old_parent_id and division.parent_id != item.old_parent_id:
                    raise ValidationError(
                        _("%(d)s 登记后已调整过隶属，请重新登记该变更") % {"d": division}
                    )
                # Fresh from the database: an earlier item may have moved the new parent.
                new_parent = Division.objects.get(pk=(item.parent or created[item.parent_key]).pk)
                if not new_parent.is_active:
                    raise ValidationError(_("上级区划 %(d)s 已撤销") % {"d": new_parent})
                if new_parent.path.startswith(division.path):
                    raise ValidationError(_("%(d)s 不能调整到自己的下级之下") % {"d": division})
                _new_version(division, parent=new_parent, name=division.name, change=change)
                done.descendants_moved += _move_subtree(division, new_parent)
                done.transferred.append(division.code)
            elif item.operation == Op.RETIRE:
                successor = item.successor or (
                    created[item.successor_key] if item.successor_key else None
                )
                remaining = division.children.filter(valid_to__isnull=True).count()
                if remaining:
                    raise ValidationError(
                        _("%(d)s 仍有 %(n)d 个下级区划，须先调整隶属才能撤销")
                        % {"d": division, "n": remaining}
                    )
                version = _open_version(division)
                if version.valid_from is not None and version.valid_from >= effective:
                    raise ValidationError(
                        _("%(d)s 的撤销日期须晚于其最近一次变更") % {"d": division}
                    )
                version.valid_to = effective
                version.save(update_fields=["valid_to"])
                division.valid_to = effective
                division.successor = successor
                division.full_clean(validate_unique=False)
                division.save(update_fields=["valid_to", "successor"])
                done.retired.append(division.code)
                if successor is not None:
                    rehomed.append((division, successor))
        for old, new in rehomed:
            division_rehomed.send(sender=DivisionChange, old=old, new=new, change=change)
        change.status = DivisionChange.Status.APPLIED
        change.applied_by = by if getattr(by, "is_authenticated", False) else None
        change.applied_at = timezone.now()
        change.full_clean()
        change.save()
        audit_services.record_event(
            actor=by,
            action="division.change.apply",
            obj=change,
            before={"status": DivisionChange.Status.DRAFT},
            after={
                "status": DivisionChange.Status.APPLIED,
                "effective_on": effective,
                "created": done.created,
                "renamed": done.renamed,
                "transferred": done.transferred,
                "retired": done.retired,
                "descendants_moved": done.descendants_moved,
                "rehomed": {old.code: new.code for old, new in rehomed},
            },
            reason=" ".join(filter(None, [change.document, change.doc_number])),
            division_code="500000",
        )
    return change


def _apply_create(
    item: DivisionChangeItem,
    created: Mapping[str, Division],
    new_codes: Mapping[str, str],
    change: DivisionChange,
) -> Division:
    code = (new_codes.get(item.key) or item.new_code or "").strip()
    if not code:
        raise ValidationError(
            _("“%(n)s”的区划代码须由管理员录入（平台不会自行编制代码）") % {"n": item.name}
        )
    _check_new_code(code, item.level)
    parent = Division.objects.get(pk=(item.parent or created[item.parent_key]).pk)
    if not parent.is_active:
        raise ValidationError(_("上级区划 %(d)s 已撤销") % {"d": parent})
    division = Division(
        code=code,
        name=item.name,
        level=item.level,
        parent=parent,
        path=f"{parent.path}{code}/",
        area_type=village_area_type(code) if item.level == Division.Level.VILLAGE else "",
        valid_from=change.effective_on,
    )
    division.full_clean()
    division.save()
    DivisionVersion.objects.create(
        division=division,
        parent=parent,
        name=item.name,
        valid_from=change.effective_on,
        change=change,
    )
    item.division = division
    item.new_code = code
    item.save(update_fields=["division", "new_code"])
    return division


def read_change_spec(path: str | Path) -> dict[str, Any]:
    """The spec in a change file (JSON, as in ``divisions/changes/``), ready for ``change_record``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(_("无法读取变更文件 %(p)s：%(e)s") % {"p": path, "e": exc}) from exc
    if not isinstance(data, dict):
        raise ValidationError(_("变更文件应为一个 JSON 对象"))
    return data
