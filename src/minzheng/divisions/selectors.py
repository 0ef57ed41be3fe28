"""Reads of the division tree. Every other app reads divisions through here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from minzheng.divisions.models import (
    Division,
    DivisionChange,
    DivisionChangeItem,
    DivisionVersion,
)


def get_by_code(code: str) -> Division:
    """The division with ``code``, retired or not; raises ``Division.DoesNotExist``."""
    return Division.objects.get(code=code)


def valid_on_q(as_of: date | None, prefix: str = "") -> Q:
    """Rows valid on ``as_of`` (``valid_to`` is the first day a unit no longer exists).

    With ``as_of`` None: the rows valid today, i.e. not retired.
    """
    if as_of is None:
        return Q(**{f"{prefix}valid_to__isnull": True})
    return (
        Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": as_of})
    ) & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": as_of}))


def children(division: Division, *, include_retired: bool = False) -> QuerySet[Division]:
    """The current children of ``division``, by code."""
    qs = Division.objects.filter(parent=division)
    if not include_retired:
        qs = qs.filter(valid_to__isnull=True)
    return qs.order_by("code")


def subtree(division: Division, *, include_retired: bool = False) -> QuerySet[Division]:
    """``division`` and every division below it in today's tree."""
    qs = Division.objects.filter(path__startswith=division.path)
    if not include_retired:
        qs = qs.filter(valid_to__isnull=True)
    return qs


def counties(as_of: date | None = None) -> QuerySet[Division]:
    """The county-level units valid on ``as_of`` (today when None), by code."""
    return Division.objects.filter(valid_on_q(as_of), level=Division.Level.COUNTY).order_by("code")


def city() -> Division:
    """The root of the tree, 重庆市."""
    return Division.objects.get(level=Division.Level.CITY)


# --- history: the tree as of a date -----------------------------------------------------------


@dataclass(frozen=True)
class DivisionAsOf:
    """One division as it stood on a date: its name and parent then, and its path then."""

    code: str
    name: str
    level: str
    parent_code: str
    path: str


def _versions_on(as_of: date) -> list[tuple[int, str, str, int | None, str]]:
    return list(
        DivisionVersion.objects.filter(valid_on_q(as_of)).values_list(
            "division_id", "division__code", "division__level", "parent_id", "name"
        )
    )


def tree_as_of(as_of: date | None = None) -> dict[str, DivisionAsOf]:
    """Every division valid on ``as_of`` (today when None), keyed by code, in path order.

    Read from ``DivisionVersion``: a township that moved county later shows under the county it
    belonged to on that date, with the name it had then.
    """
    if as_of is None:
        rows = [
            DivisionAsOf(code, name, level, parent_code or "", path)
            for code, name, level, parent_code, path in Division.objects.filter(
                valid_to__isnull=True
            ).values_list("code", "name", "level", "parent__code", "path")
        ]
        return {row.code: row for row in sorted(rows, key=lambda r: r.path)}
    versions = _versions_on(as_of)
    code_of = {pk: code for pk, code, _level, _parent, _name in versions}
    parent_of = {pk: parent for pk, _code, _level, parent, _name in versions}
    paths: dict[int, str] = {}

    def path_of(pk: int) -> str:
        if pk not in paths:
            parent = parent_of.get(pk)
            prefix = path_of(parent) if parent in code_of else ""
            paths[pk] = f"{prefix}{code_of[pk]}/"
        return paths[pk]

    rows = [
        DivisionAsOf(
            code=code,
            name=name,
            level=level,
            parent_code=code_of.get(parent, "") if parent is not None else "",
            path=path_of(pk),
        )
        for pk, code, level, parent, name in versions
    ]
    return {row.code: row for row in sorted(rows, key=lambda r: r.path)}


def county_map(as_of: date | None = None) -> dict[str, str]:
    """Every township and village code valid on ``as_of`` → the code of its county on that date.

    ``as_of`` None means today. Statistics "by the divisions as they were" group records by
    ``county_map(date)[record.division_code]``; by today's divisions, ``county_map()``.
    """
    if as_of is None:
        # Today's paths already say it: "500000/<county>/<township>/…".
        return {
            code: path.split("/")[1]
            for code, path in Division.objects.filter(
                valid_to__isnull=True,
                level__in=[Division.Level.TOWNSHIP, Division.Level.VILLAGE],
            ).values_list("code", "path")
        }
    versions = _versions_on(as_of)
    info = {pk: (code, level, parent) for pk, code, level, parent, _name in versions}
    county_of_id: dict[int, str] = {}
    for pk, (code, level, _parent) in info.items():
        if level == Division.Level.COUNTY:
            county_of_id[pk] = code
    result: dict[str, str] = {}
    # Townships first (their parent is a county), then villages (their parent a township).
    for wanted in (Division.Level.TOWNSHIP, Division.Level.VILLAGE):
        for pk, (code, level, parent) in info.items():
            if level == wanted and parent in county_of_id:
                county_of_id[pk] = county_of_id[parent]
                result[code] = county_of_id[parent]
    return result


def county_names(as_of: date | None = None) -> dict[str, str]:
    """The county-level units valid on ``as_of`` (today when None): code → name on that date."""
    if as_of is None:
        return dict(counties().values_list("code", "name"))
    return {
        code: name
        for _pk, code, level, _parent, name in sorted(_versions_on(as_of), key=lambda v: v[1])
        if level == Division.Level.COUNTY
    }


# --- changes ----------------------------------------------------------------------------------


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


@dataclass
class DivisionHistory:
    """A division's versions (oldest first), the changes that touched it, its predecessors."""

    versions: list[DivisionVersion]
    changes: list[DivisionChange]
    predecessors: list[Division]


def division_history(division: Division) -> DivisionHistory:
    """What happened to ``division``: its versions, the changes naming it, what it succeeded."""
    versions = list(
        division.versions.select_related("parent", "change").order_by("valid_from", "id")
    )
    items = (
        DivisionChangeItem.objects.filter(
            Q(division=division) | Q(successor=division) | Q(parent=division)
        )
        .select_related("change")
        .order_by("-change__effective_on", "-change_id")
    )
    change_list: list[DivisionChange] = []
    for item in items:
        if item.change not in change_list:
            change_list.append(item.change)
    return DivisionHistory(
        versions=versions,
        changes=change_list,
        predecessors=list(division.predecessors.order_by("code")),
    )
