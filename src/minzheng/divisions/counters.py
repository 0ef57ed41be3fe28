"""Counts shown per division (org units, users, people …), registered by the apps that own them.

Divisions never import those apps: each registers a counter in its ``AppConfig.ready``::

    from minzheng.divisions import counters

    counters.register(
        "org_units",
        gettext_lazy("机构"),
        lambda prefixes: counters.count_by_path(
            OrgUnit.objects.filter(closed_at__isnull=True), "division__path", prefixes
        ),
    )

A counter takes path prefixes (``"500000/500101/"`` …) and returns, for the records under any of
them, how many sit at each exact division path: ``{"500000/500101/500101001/": 3, …}``. The
browser and the map then add those up for whatever units they show (today's units, or the
counties of a past date), with one query per counter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise

CounterFunc = Callable[[Sequence[str]], Mapping[str, int]]


@dataclass(frozen=True)
class CounterSpec:
    """One registered counter: a key, a Chinese label for the column, and its function."""

    key: str
    label: str | Promise
    func: CounterFunc
    order: int = 100


_REGISTRY: dict[str, CounterSpec] = {}


def register(key: str, label: str | Promise, func: CounterFunc, *, order: int = 100) -> None:
    """Register (or replace) the counter ``key``. Call from ``AppConfig.ready``."""
    _REGISTRY[key] = CounterSpec(key=key, label=label, func=func, order=order)


def unregister(key: str) -> None:
    """Remove the counter ``key`` if registered (for tests)."""
    _REGISTRY.pop(key, None)


def registered() -> list[CounterSpec]:
    """The registered counters, in display order."""
    return sorted(_REGISTRY.values(), key=lambda spec: (spec.order, spec.key))


def count_by_path(
    queryset: QuerySet[Any], path_lookup: str, prefixes: Sequence[str]
) -> dict[str, int]:
    """How many rows of ``queryset`` sit at each division path under any of ``prefixes``.

    ``path_lookup`` reaches a ``Division.path`` from the model (``"division__path"``). One
    grouped query; the result has at most one entry per division.
    """
    if not prefixes:
        return {}
    condition = Q()
    for prefix in prefixes:
        condition |= Q(**{f"{path_lookup}__startswith": prefix})
    rows = queryset.filter(condition).values(path_lookup).annotate(n=Count("pk")).order_by()
    return {row[path_lookup]: row["n"] for row in rows if row[path_lookup]}


def ancestors_of(path: str) -> Iterable[str]:
    """Every prefix path of ``path``, itself included: "500000/", "500000/500101/", …"""
    parts = path.strip("/").split("/")
    for depth in range(1, len(parts) + 1):
        yield "/".join(parts[:depth]) + "/"


def subtree_totals(paths: Sequence[str]) -> dict[str, dict[str, int]]:
    """For each of ``paths`` (divisions of today's tree), each counter's total under it.

    ``{path: {counter_key: n}}``; a counter that fails to answer is left out, not guessed.
    """
    wanted = set(paths)
    totals: dict[str, dict[str, int]] = {p: {} for p in paths}
    roots = _roots(paths)
    for spec in registered():
        by_path = spec.func(roots)
        sums = dict.fromkeys(paths, 0)
        for path, n in by_path.items():
            for ancestor in ancestors_of(path):
                if ancestor in wanted:
                    sums[ancestor] += n
        for path in paths:
            totals[path][spec.key] = sums[path]
    return totals


def exact_counts(prefixes: Sequence[str]) -> dict[str, dict[str, int]]:
    """Each counter's per-path counts under ``prefixes``: ``{counter_key: {path: n}}``."""
    return {spec.key: dict(spec.func(_roots(prefixes))) for spec in registered()}


def _roots(paths: Sequence[str]) -> list[str]:
    """The paths not under another one of them: the fewest prefixes that cover them all."""
    ordered = sorted(set(paths), key=len)
    roots: list[str] = []
    for path in ordered:
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    return roots
