"""Applying a recorded division change to the tree, and writing its history.

Applying updates today's tree (parents, paths, names, retirements) and writes the history
(``DivisionVersion``) that lets the tree be read as of any date. The code of a unit the change
creates is entered by the administrator who applies it; the platform never invents a division
code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
from minzheng.divisions.services.recording import check_new_code
from minzheng.divisions.signals import division_rehomed

Op = DivisionChangeItem.Operation
VERSION_RELATIONS = ["division", "parent", "change"]


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
    check_new_code(code, item.level)
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
