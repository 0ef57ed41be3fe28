"""The demo's loop on planted households, built once for this package and rolled back after it.

高笋塘街道 (500101001) gets households the screening finds: elderly people without income (a cash
discovery: 低保 or 特困), households just above the 低保 line (低保边缘), a hospital bill (risk), an
enrolled household now earning well (exit review), and well-off households the screening leaves
alone (the loop's refused window applications). Then, as ``minzheng demo`` does it: the demo
accounts, the policy parameters, one screening run, and the demo loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from minzheng.demo import accounts as demo_accounts
from minzheng.demo import loop as demo_loop
from minzheng.monitoring import services as monitoring_services
from minzheng.monitoring.models import ScreeningRun
from minzheng.policy import services as policy_services
from minzheng.registry import services as registry_services
from tests.cases import factories as cf
from tests.monitoring import situations
from tests.registry import factories as rf

VILLAGES = ("500101001001", "500101001002")


def elderly(name: str, village: str, age: int) -> None:
    cf.elderly_household(name=name, village=village, age=age, spouse=age % 2 == 0)


def near_line(name: str, village: str) -> None:
    """One working adult earning a little above the urban 低保 standard: 低保边缘."""
    head = rf.person(None, name=name, birth=dt.date(1978, 4, 2), work_capacity="full")
    rf.household(None, village=village, head=head, on=cf.SINCE)
    registry_services.fact_record(
        by=None,
        kind="income",
        person=head,
        values={
            "kind": "wage",
            "amount": Decimal(950 * 12),
            "period_start": situations.YEAR_AGO,
            "period_end": situations.TODAY - dt.timedelta(days=1),
        },
    )


@dataclass(frozen=True)
class World:
    today: dt.date
    run: ScreeningRun
    result: demo_loop.LoopResult


@pytest.fixture(scope="package")
def loop_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    media = tmp_path_factory.mktemp("loop-media")
    previous_media = settings.MEDIA_ROOT
    previous_hashers = settings.PASSWORD_HASHERS
    settings.MEDIA_ROOT = media
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    today = timezone.localdate()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo_accounts.load_demo_accounts()
            policy_services.load_parameters()
            for i in range(10):
                elderly(f"高龄老人{i}", VILLAGES[i % 2], 66 + i)
            for i in range(2):
                near_line(f"边缘户{i}", VILLAGES[i % 2])
            for i in range(4):
                situations.hospitalised_household(f"大病支出户{i}")
            for i in range(2):
                situations.enrolled_rich_household(f"收入超标户{i}")
            for i in range(5):
                cf.wealthy_household(name=f"窗口申请人{i}", village=VILLAGES[i % 2])
            run = monitoring_services.screening_run(as_of=today, trigger="manual")
            result = demo_loop.run_demo_loop(today=today)
            yield World(today=today, run=run, result=result)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            settings.MEDIA_ROOT = previous_media
            settings.PASSWORD_HASHERS = previous_hashers
            Path(media).exists()
