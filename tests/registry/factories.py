"""Test data for the registry: valid ID numbers, persons, households, workers in real divisions.

Places (real codes): 万州区 高笋塘街道 (500101001) with 东方广场社区 (500101001001, urban) and
乌龙池社区 (500101001002); 万州区 太白街道 太白村 (500101017200, rural); 巫山县 高唐街道 圣泉社区
(500237001001) for out-of-scope checks.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from minzheng.divisions.models import Division
from minzheng.registry import idnumbers, services
from minzheng.registry.models import Household, Person
from tests.scope import make_scoped_user

TOWNSHIP = "500101001"
VILLAGE = "500101001001"
VILLAGE_2 = "500101001002"
RURAL_VILLAGE = "500101017200"
OTHER_COUNTY_VILLAGE = "500237001001"

WORKER_ACTIONS = ("household.view", "household.edit", "pii.view_full")

_sequence = itertools.count(11)


def make_id_number(
    birth: date = date(1980, 5, 17), sex: str = "M", address: str = "500101", seq: int | None = None
) -> str:
    """A valid 18-character ID number; sequences run on so that each call gives a new one."""
    n = next(_sequence) if seq is None else seq
    n = n * 2 + (1 if sex == "M" else 0)  # odd = male
    first17 = f"{address}{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + idnumbers.check_character(first17)


def division(code: str) -> Division:
    return Division.objects.get(code=code)


def worker(division_code: str = TOWNSHIP, actions: tuple[str, ...] = WORKER_ACTIONS) -> Any:
    """A township worker holding household view/edit and full ID view over ``division_code``."""
    return make_scoped_user(actions, division=division_code)


def person(
    by: Any = None,
    *,
    name: str = "张三",
    birth: date = date(1980, 5, 17),
    sex: str = "M",
    **attributes: Any,
) -> Person:
    registered, _created = services.person_register(
        by=by, id_number=make_id_number(birth, sex), name=name, **attributes
    )
    return registered


def household(
    by: Any = None, *, village: str = VILLAGE, head: Person | None = None, **kwargs: Any
) -> Household:
    """A household in ``village`` with a head (made up when not given)."""
    head = head or person(by, name="户主甲")
    return services.household_create(by=by, division=division(village), head=head, **kwargs)
