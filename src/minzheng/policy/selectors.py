"""Reads of policy parameters: definitions and the snapshot the engine evaluates with."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from minzheng.engine import parameters as engine_parameters
from minzheng.engine.parameters import ParameterDefinition, ParameterSnapshot
from minzheng.policy.models import Parameter, ParameterValue


def parameter_definitions() -> list[ParameterDefinition]:
    """Every parameter in the database with all its dated values, as the engine reads them."""
    values: dict[int, list[engine_parameters.ParameterValue]] = defaultdict(list)
    units = dict(Parameter.objects.values_list("pk", "unit"))
    for row in ParameterValue.objects.order_by("parameter_id", "effective_from"):
        values[row.parameter_id].append(
            engine_parameters.ParameterValue(
                effective_from=row.effective_from,
                effective_to=row.effective_to,
                value=engine_parameters.coerce_value(units[row.parameter_id], row.value),
                source=row.source,
                article=row.article,
                tag=row.tag,
                verified=row.verified,
                note=row.note,
                division_code=row.division_code,
            )
        )
    return [
        ParameterDefinition(
            name=p.name, description=p.description, unit=p.unit, values=tuple(values[p.pk])
        )
        for p in Parameter.objects.order_by("name")
    ]


def parameter_snapshot(*, as_of: dt.date) -> ParameterSnapshot:
    """The parameters in force on ``as_of`` from the database (the truth at run time)."""
    return engine_parameters.snapshot(as_of, parameter_definitions())


def parameter_list() -> list[Parameter]:
    """All parameters with their values prefetched, ordered by name."""
    return list(Parameter.objects.prefetch_related("values").order_by("name"))
