"""Reads of the tree's history: the tree, the county map and county names as of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F, Q

from minzheng.divisions.models import Division, DivisionChange, DivisionChangeItem, DivisionVersion
from minzheng.divisions.selectors.tree import counties, valid_on_q


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


@dataclass
class DivisionHistory:
    """A division's versions (oldest first), the changes that touched it, its predecessors."""

    versions: list[DivisionVersion]
    changes: list[DivisionChange]
    predecessors: list[Division]


def division_history(division: Division) -> DivisionHistory:
    """What happened to ``division``: its versions, the changes naming it, what it succeeded."""
    versions = list(
        division.versions.select_related("parent", "change").order_by(
            F("valid_from").asc(nulls_first=True), "id"
        )
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
