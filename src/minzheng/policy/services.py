"""Writes of policy parameters: loading the reviewed seed (idempotent)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from minzheng.audit.services import record_event
from minzheng.engine import parameters as engine_parameters
from minzheng.engine.parameters import ParameterDefinition
from minzheng.policy.models import Parameter, ParameterValue


@dataclass(frozen=True)
class LoadResult:
    parameters_created: int
    values_created: int
    values_updated: int
    values_unchanged: int


def _json_value(value: engine_parameters.Value) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


_VALUE_FIELDS = ("effective_to", "value", "source", "article", "tag", "verified", "note")


@transaction.atomic
def load_parameters(
    *, definitions: Iterable[ParameterDefinition] | None = None, actor: Any = None
) -> LoadResult:
    """Load parameter definitions (default: the YAML seed) into the database.

    Idempotent: a value is matched by (parameter, division, effective_from); a matching row whose
    fields differ is updated, an identical one left alone. Values in the database that the seed
    does not mention (set by an administrator) are kept. One audit event sums up the load.
    """
    definitions = list(definitions if definitions is not None else engine_parameters.load_seed())
    p_created = v_created = v_updated = v_same = 0
    for defn in definitions:
        param, created = Parameter.objects.get_or_create(
            name=defn.name, defaults={"description": defn.description, "unit": defn.unit}
        )
        p_created += created
        if not created and (param.description, param.unit) != (defn.description, defn.unit):
            param.description, param.unit = defn.description, defn.unit
            param.full_clean()
            param.save(update_fields=["description", "unit"])
        existing = {(v.division_code, v.effective_from): v for v in param.values.all()}
        for rec in defn.values:
            fields = {
                "effective_to": rec.effective_to,
                "value": _json_value(rec.value),
                "source": rec.source[:300],
                "article": rec.article[:200],
                "tag": rec.tag,
                "verified": rec.verified,
                "note": rec.note,
            }
            row = existing.get((rec.division_code, rec.effective_from))
            if row is None:
                row = ParameterValue(
                    parameter=param,
                    division_code=rec.division_code,
                    effective_from=rec.effective_from,
                    **fields,
                )
                row.full_clean()
                row.save()
                v_created += 1
            elif any(getattr(row, f) != fields[f] for f in _VALUE_FIELDS):
                for f in _VALUE_FIELDS:
                    setattr(row, f, fields[f])
                row.full_clean()
                row.save()
                v_updated += 1
            else:
                v_same += 1
    result = LoadResult(p_created, v_created, v_updated, v_same)
    if p_created or v_created or v_updated:
        record_event(
            actor=actor,
            action="parameter.load",
            after={
                "parameters_created": p_created,
                "values_created": v_created,
                "values_updated": v_updated,
            },
            reason="load reviewed parameter seed",
        )
    return result
