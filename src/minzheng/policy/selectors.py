"""Reads of policy parameters: definitions and the snapshot the engine evaluates with."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from minzheng.engine import parameters as engine_parameters
from minzheng.engine.parameters import ParameterDefinition, ParameterSnapshot
from minzheng.policy.models import Parameter, ParameterValue


def parameter_definitions() -> list[ParameterDefinition]:
    """Every parameter in the database with all its dated values, as the engine reads them.

    Read as plain rows (no model instances): one household page reads them on every request.
    """
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
