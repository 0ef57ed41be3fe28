"""The programme catalogue, registered explicitly in evaluation order (later ones read earlier ones)."""

from __future__ import annotations

from minzheng.engine.programmes import (
    cross_business,
    dibao,
    dibao_individual,
    near_dibao,
    rigid_hardship,
    tekun,
    temporary_aid,
)
from minzheng.engine.programmes.base import Condition, Context, Programme

CATALOGUE: tuple[Programme, ...] = (
    tekun.PROGRAMME,
    dibao.PROGRAMME,
    near_dibao.PROGRAMME,
    dibao_individual.PROGRAMME,
    rigid_hardship.PROGRAMME,
    temporary_aid.PROGRAMME,
    cross_business.SPECIAL_AID,
    cross_business.FUNERAL_WAIVER,
    cross_business.ORPHAN_ALLOWANCE,
    cross_business.DISABILITY_LIVING_SUBSIDY,
    cross_business.DISABILITY_CARE_SUBSIDY,
)
BY_NAME: dict[str, Programme] = {p.name: p for p in CATALOGUE}

__all__ = ["BY_NAME", "CATALOGUE", "Condition", "Context", "Programme"]
