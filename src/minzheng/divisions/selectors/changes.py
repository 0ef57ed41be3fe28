"""Reads of division changes: the list, and the preview of what one does."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from minzheng.divisions.models import Division, DivisionChange, DivisionChangeItem
from minzheng.divisions.selectors.history import county_map, county_names
from minzheng.divisions.selectors.tree import counties


def changes(*, status: str | None = None) -> QuerySet[DivisionChange]:
    """Recorded division changes, latest effective date first."""
    qs = DivisionChange.objects.select_related("created_by", "applied_by")
    return qs.filter(status=status) if status else qs


def change_items(change: DivisionChange) -> QuerySet[DivisionChangeItem]:
    return change.items.select_related("division", "parent", "old_parent", "successor")


@dataclass
class PreviewRow:
    """One line of a change preview: what happens to which unit."""

    item: DivisionChangeItem
    operation: str  # a DivisionChangeItem.Operation value
    code: str  # empty for a unit to be created whose code is not entered yet
    name: str
    level: str
    before: str  # old parent (transfer, retire) or old name (rename)
    after: str  # new parent (create, transfer), new name (rename) or successor (retire)
    descendants: int  # current units below a moved unit, which move with it


@dataclass
class ChangePreview:
    """What a change does, for review before it is applied (and as a record after)."""

    change: DivisionChange
    rows: list[PreviewRow]
    counts: dict[str, int]
    creates: list[DivisionChangeItem]
    by_target: dict[str, dict[str, int]] = field(default_factory=dict)
    counties_before: int = 0
    counties_after: int = 0
    townships_before: int = 0
    townships_after: int = 0


def change_preview(change: DivisionChange) -> ChangePreview:
    """The units a change affects, with counts: created, renamed, moved (and what follows them),
    retired, and how many county-level and township-level units are active before and after."""
    items = list(change_items(change))
    labels = {key: item.name for item in items if (key := item.key)}
    rows: list[PreviewRow] = []
    counts: Counter[str] = Counter()
    by_target: dict[str, Counter[str]] = {}
    county_delta = township_delta = 0
    for item in items:
        op = item.operation
        counts[op] += 1
        division = item.division
        descendants = 0
        if op == DivisionChangeItem.Operation.CREATE:
            parent_label = item.parent.name if item.parent else labels.get(item.parent_key, "")
            before, after = "", parent_label
            code = item.new_code
            name, level = item.name, item.level
            county_delta += item.level == Division.Level.COUNTY
            township_delta += item.level == Division.Level.TOWNSHIP
        else:
            assert division is not None
            code, name, level = division.code, item.old_name or division.name, division.level
            if op == DivisionChangeItem.Operation.RENAME:
                before, after = item.old_name, item.name
            elif op == DivisionChangeItem.Operation.TRANSFER:
                target = item.parent.name if item.parent else labels.get(item.parent_key, "")
                before = item.old_parent.name if item.old_parent else ""
                after = target
                descendants = (
                    Division.objects.filter(path__startswith=division.path, valid_to__isnull=True)
                    .exclude(pk=division.pk)
                    .count()
                )
                bucket = by_target.setdefault(target, Counter())
                bucket[division.level] += 1
                bucket["descendants"] += descendants
                counts["descendants"] += descendants
            else:
                successor = item.successor.name if item.successor else ""
                before = item.old_parent.name if item.old_parent else ""
                after = successor or labels.get(item.successor_key, "")
                county_delta -= division.level == Division.Level.COUNTY
                township_delta -= division.level == Division.Level.TOWNSHIP
        rows.append(
            PreviewRow(
                item=item,
                operation=op,
                code=code,
                name=name,
                level=str(Division.Level(level).label) if level else "",
                before=before,
                after=after,
                descendants=descendants,
            )
        )
    if change.status == DivisionChange.Status.APPLIED:
        before_date = date.fromordinal(change.effective_on.toordinal() - 1)
        counties_before = len(county_names(before_date))
        townships_before = _townships_under_counties(before_date)
        counties_after = len(county_names(change.effective_on))
        townships_after = _townships_under_counties(change.effective_on)
    else:
        counties_before = counties().count()
        townships_before = Division.objects.filter(
            level=Division.Level.TOWNSHIP, valid_to__isnull=True
        ).count()
        counties_after = counties_before + county_delta
        townships_after = townships_before + township_delta
    return ChangePreview(
        change=change,
        rows=rows,
        counts=dict(counts),
        creates=[i for i in items if i.operation == DivisionChangeItem.Operation.CREATE],
        by_target={k: dict(v) for k, v in by_target.items()},
        counties_before=counties_before,
        counties_after=counties_after,
        townships_before=townships_before,
        townships_after=townships_after,
    )


def _townships_under_counties(as_of: date) -> int:
    return sum(1 for code in county_map(as_of) if len(code) == 9)
