"""Test data for monitoring: alerts on registry households in real divisions.

Places as in ``tests.registry.factories``: 万州区 高笋塘街道 (500101001) 东方广场社区 (500101001001);
巫山县 (500237) for out-of-scope checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from minzheng.monitoring.models import Alert
from minzheng.registry.models import Household
from tests.registry import factories as rf

TOWNSHIP = rf.TOWNSHIP
VILLAGE = rf.VILLAGE
OUTSIDE = "500237"


def alert(
    household: Household | None = None,
    *,
    kind: str = Alert.Kind.DISCOVERY,
    status: str = Alert.Status.OPEN,
    text: str = "符合最低生活保障条件但未纳入",
    deadline: dt.date | None = None,
    clean: bool = True,
    **fields: Any,
) -> Alert:
    household = household or rf.household(None)
    division = household.division
    today = dt.date.today()
    made = Alert(
        kind=kind,
        status=status,
        household=household,
        division=division,
        scope_path=division.path,
        score=fields.pop("score", 80),
        reasons=[{"code": "dibao:eligible_not_enrolled", "text": text}],
        raised_on=today,
        deadline=deadline or today + dt.timedelta(days=3),
        **fields,
    )
    if clean:
        made.full_clean()
    made.save()
    return made
