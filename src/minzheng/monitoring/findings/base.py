"""What every finding rule shares: the finding, the DuckDB connection, the finder.

See ``minzheng.monitoring.findings`` for what the rules find.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from minzheng.engine.parameters import ParameterSnapshot
from minzheng.monitoring.conf import MonitoringSettings

DISCOVERY_PROGRAMMES = ("tekun", "dibao", "dibao_individual", "near_dibao", "rigid_hardship")
HOUSEHOLD_PROGRAMMES = ("dibao", "near_dibao", "rigid_hardship")
PERSON_PROGRAMMES = ("tekun", "dibao_individual")
PROGRAMME_ZH = {
    "tekun": "特困人员救助供养",
    "dibao": "最低生活保障",
    "dibao_individual": "单人保",
    "near_dibao": "低保边缘家庭",
    "rigid_hardship": "刚性支出困难家庭",
}
# Conditions whose failure only means the subject belongs to another tier (an upgrade or a
# move between tiers): not a reason to exit.
TIER_CONDITIONS = frozenset(
    {"not_on_dibao", "no_member_on_tekun", "not_on_higher_tier", "household_near_dibao"}
)
# Failed condition → exit reason code.
EXIT_REASON_OF = {
    "has_counted_members": "no_counted_members",
    "income_below_standard": "income_above_line",
    "income_below_multiple": "income_above_line",
    "income_below_disposable": "income_above_line",
    "own_income_below_standard": "income_above_line",
    "no_means_of_living": "income_above_line",
    "financial_assets_within_limit": "assets_above_limit",
    "assets_within_rules": "assets_above_limit",
    "no_disqualifying_vehicle": "vehicle",
    "no_business_role": "business_role",
    "housing_within_limit": "housing",
    "no_recent_home_purchase": "home_purchase",
}
EXIT_TEXT = {
    "no_counted_members": "家庭已无计入的共同生活成员（成员死亡、失踪或迁出）",
    "income_above_line": "收入已高于{programme}的收入标准",
    "assets_above_limit": "金融资产超过{programme}的财产规定",
    "vehicle": "家庭登记有不予豁免的机动车辆、船舶或机械",
    "business_role": "家庭成员担任经营中企业的法定代表人、高管或控股股东",
    "housing": "住房套数和面积超过规定",
    "home_purchase": "近年内购建住房",
    "person_deceased": "{person}已死亡",
    "member_left": "{person}已不在本户",
    "member_died": "家庭成员{person}于 {date} 死亡，需复核保障人数和金额",
    "member_gone": "家庭成员{person}于 {date} 离开本户，需复核保障人数和金额",
}


@dataclass
class Finding:
    """What one household needs looked at, for one alert kind."""

    household_id: int
    kind: str
    score: int = 0
    programmes: list[str] = field(default_factory=list)
    reasons: list[dict[str, str]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def reason_codes(self) -> list[str]:
        return sorted({r["code"] for r in self.reasons})


@dataclass
class Result:
    """All findings of a run, plus the counts the run records."""

    findings: list[Finding]
    counts: dict[str, dict[str, int]]
    households: int


def yuan(value: Any) -> str:
    if value is None:
        return "未知"
    return f"{Decimal(value):,.2f} 元"


def combined_score(weights: list[int], extra: int) -> int:
    if not weights:
        return 0
    return min(100, max(weights) + extra * (len(weights) - 1))


def connect(snapshot_dir: Path, determinations: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    for name in (
        "persons",
        "households",
        "memberships",
        "incomes",
        "expenditures",
        "events",
        "enrolments",
    ):
        path = snapshot_dir / f"{name}.parquet"
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    con.execute(f"CREATE VIEW det AS SELECT * FROM read_parquet('{determinations}')")
    return con


def sql_list(values: tuple[str, ...]) -> str:
    """Our own constant codes as a SQL list (DuckDB plans ``IN $list`` parameters slowly)."""
    return "(" + ", ".join(f"'{v}'" for v in values if v.isidentifier()) + ")"


_LISTS = {
    "programmes": sql_list(DISCOVERY_PROGRAMMES),
    "household_programmes": sql_list(HOUSEHOLD_PROGRAMMES),
    "person_programmes": sql_list(PERSON_PROGRAMMES),
}


def query_rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql.format(**_LISTS) if "{" in sql else sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def monthly_disposable(snap: ParameterSnapshot) -> dict[str, Decimal | None]:
    """Last year's per-capita disposable income per month, by area type (None: unknown)."""
    out: dict[str, Decimal | None] = {}
    every = snap.value("disposable_income.previous_year.all")
    for area in ("urban", "rural"):
        value = snap.value(f"disposable_income.previous_year.{area}")
        value = value if value is not None else every
        out[area] = None if value is None else Decimal(str(value)) / 12
    return out


class Finder:
    """Collects findings per (household, kind) with their reasons and weights."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        as_of: dt.date,
        snap: ParameterSnapshot,
        conf: MonitoringSettings,
    ) -> None:
        self.con = con
        self.as_of = as_of
        self.snap = snap
        self.conf = conf
        self.window_start = as_of - dt.timedelta(days=conf.risk_window_days)
        self.year_start = as_of - dt.timedelta(days=365)
        self.found: dict[tuple[int, str], Finding] = {}
        self.weights: dict[tuple[int, str], list[int]] = defaultdict(list)

    def add(
        self,
        household_id: int,
        kind: str,
        code: str,
        text: str,
        weight: int,
        programme: str = "",
        facts: dict[str, Any] | None = None,
    ) -> None:
        key = (int(household_id), kind)
        finding = self.found.get(key)
        if finding is None:
            finding = self.found[key] = Finding(household_id=int(household_id), kind=kind)
        if any(r["code"] == code and r["text"] == text for r in finding.reasons):
            return
        finding.reasons.append({"code": code, "text": text})
        self.weights[key].append(weight)
        if programme and programme not in finding.programmes:
            finding.programmes.append(programme)
        if facts:
            finding.facts.update(facts)

    def result(self) -> list[Finding]:
        out = []
        for key, finding in sorted(self.found.items()):
            finding.score = combined_score(self.weights[key], self.conf.score_extra)
            out.append(finding)
        return out
