"""Reads of policy parameters: definitions and the snapshot the engine evaluates with."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from minzheng.engine import parameters as engine_parameters
from minzheng.engine.parameters import ParameterDefinition, ParameterSnapshot
from minzheng.policy.models import REVISION_PK, Parameter, ParameterRevision, ParameterValue

# Definitions read under each revision token (``ParameterRevision``): a household page reads
# one token instead of every parameter and value. Few tokens are ever current in a process.
_read: dict[str, list[ParameterDefinition]] = {}
KEPT_REVISIONS = 4


def parameter_definitions() -> list[ParameterDefinition]:
    """Every parameter in the database with all its dated values, as the engine reads them.

    One household page reads them on every request: they are kept under the parameters'
    revision token and read again (as plain rows, no model instances) when it has changed.
    """
    token = ParameterRevision.objects.filter(pk=REVISION_PK).values_list("token", flat=True).first()
    if token is None:  # no revision recorded (no change since the tables were emptied)
        return _read_definitions()
    found = _read.get(token)
    if found is None:
        found = _read_definitions()
        while len(_read) >= KEPT_REVISIONS:
            _read.pop(next(iter(_read)))
        _read[token] = found
    return list(found)


def _read_definitions() -> list[ParameterDefinition]:
    values: dict[int, list[engine_parameters.ParameterValue]] = defaultdict(list)
    parameters = list(
        Parameter.objects.order_by("name").values_list("pk", "name", "description", "unit")
    )
    units = {pk: unit for pk, _name, _description, unit in parameters}
    rows = ParameterValue.objects.order_by("parameter_id", "effective_from").values_list(
        "parameter_id",
        "effective_from",
        "effective_to",
        "value",
        "source",
        "article",
        "tag",
        "verified",
        "note",
        "division_code",
    )
    for pid, start, end, value, source, article, tag, verified, note, division in rows:
        values[pid].append(
            engine_parameters.ParameterValue(
                effective_from=start,
                effective_to=end,
                value=engine_parameters.coerce_value(units[pid], value),
                source=source,
                article=article,
                tag=tag,
                verified=verified,
                note=note,
                division_code=division,
            )
        )
    return [
        ParameterDefinition(name=name, description=description, unit=unit, values=tuple(values[pk]))
        for pk, name, description, unit in parameters
    ]


def parameter_snapshot(*, as_of: dt.date) -> ParameterSnapshot:
    """The parameters in force on ``as_of`` from the database (the truth at run time)."""
    return engine_parameters.snapshot(as_of, parameter_definitions())


def parameter_list() -> list[Parameter]:
    """All parameters with their values prefetched, ordered by name."""
    return list(Parameter.objects.prefetch_related("values").order_by("name"))
