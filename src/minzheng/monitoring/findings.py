"""What a screening run finds, from the snapshot and the engine's determinations (DuckDB SQL).

No Django here: ``find()`` reads the snapshot's Parquet tables and ``determinations.parquet`` and
returns, per household, what needs a person to look:

- **discovery**: eligible for 低保, 特困, 低保边缘, 刚性支出困难 or 单人保 but not enrolled in it;
- **exit_review**: enrolled, and the engine now finds the programme's conditions failed (income
  above the line, a vehicle, a business role, no counted member left …; a failure that only says
  the household moved to a higher tier is an upgrade, found by discovery); or an enrolled
  person who died or left; or, in an enrolled household, a member who died or left in the window
  (the amount and the household must be re-checked, programmes.md §7);
- **risk**: the signals of programmes.md §7 in the last ``risk_window_days`` — large medical
  spending, a new serious illness, a new (severe) disability, unemployment of the main earner,
  death of an earner, disaster, accident, heavy school costs — for households whose income per
  person is below last year's per-capita disposable income (or unknown).

Each finding carries a score (0–100) and its reasons as codes with Chinese text. Every threshold
and weight is a platform setting (``conf.MonitoringSettings``), never a policy value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from minzheng.engine.parameters import ParameterSnapshot
from minzheng.engine.programmes import BY_NAME
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


def _yuan(value: Any) -> str:
    if value is None:
        return "未知"
    return f"{Decimal(value):,.2f} 元"


def _score(weights: list[int], extra: int) -> int:
    if not weights:
        return 0
    return min(100, max(weights) + extra * (len(weights) - 1))


def _connect(snapshot_dir: Path, determinations: Path) -> duckdb.DuckDBPyConnection:
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


def _sql_list(values: tuple[str, ...]) -> str:
    """Our own constant codes as a SQL list (DuckDB plans ``IN $list`` parameters slowly)."""
    return "(" + ", ".join(f"'{v}'" for v in values if v.isidentifier()) + ")"


_LISTS = {
    "programmes": _sql_list(DISCOVERY_PROGRAMMES),
    "household_programmes": _sql_list(HOUSEHOLD_PROGRAMMES),
    "person_programmes": _sql_list(PERSON_PROGRAMMES),
}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql.format(**_LISTS) if "{" in sql else sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _monthly_disposable(snap: ParameterSnapshot) -> dict[str, Decimal | None]:
    """Last year's per-capita disposable income per month, by area type (None: unknown)."""
    out: dict[str, Decimal | None] = {}
    every = snap.value("disposable_income.previous_year.all")
    for area in ("urban", "rural"):
        value = snap.value(f"disposable_income.previous_year.{area}")
        value = value if value is not None else every
        out[area] = None if value is None else Decimal(str(value)) / 12
    return out


class _Finder:
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

    # --- discovery ---------------------------------------------------------------------------

    def discovery(self) -> None:
        rows = _rows(
            self.con,
            """
            WITH enr AS (
                SELECT * FROM enrolments
                WHERE start_date <= $1 AND (end_date IS NULL OR end_date >= $1)
            ),
            by_household AS (
                SELECT DISTINCT household_id, programme FROM enr WHERE programme IN {household_programmes}
            ),
            by_person AS (
                SELECT DISTINCT person_id, programme FROM enr
                WHERE programme IN {person_programmes} AND person_id IS NOT NULL
            )
            SELECT d.household_id, d.person_id, d.programme, d.monthly_amount,
                   d.income_per_capita, d.standard, d.counted_members
            FROM det d
            JOIN households h USING (household_id)
            LEFT JOIN by_household bh
              ON bh.household_id = d.household_id AND bh.programme = d.programme
            LEFT JOIN by_person bp
              ON bp.person_id = d.person_id AND bp.programme = d.programme
            WHERE d.status = 'eligible' AND d.programme IN {programmes}
              AND bh.household_id IS NULL AND bp.person_id IS NULL
            ORDER BY d.household_id, d.programme, d.person_id
            """,
            [self.as_of],
        )
        for r in rows:
            programme = r["programme"]
            label = PROGRAMME_ZH[programme]
            amount = r["monthly_amount"]
            text = f"符合{label}条件但未纳入"
            if r["person_id"] is not None:
                text = f"成员〔{r['person_id']}〕{text}"
            if amount:
                text += f"，测算每月 {_yuan(amount)}"
            self.add(
                r["household_id"],
                "discovery",
                f"{programme}:eligible_not_enrolled",
                text,
                self.conf.discovery_scores.get(programme, 50),
                programme,
                {
                    "income_per_capita": None
                    if r["income_per_capita"] is None
                    else str(r["income_per_capita"]),
                    "standard": None if r["standard"] is None else str(r["standard"]),
                    "counted_members": r["counted_members"],
                },
            )

    # --- exit review ---------------------------------------------------------------------------

    def _exit_reasons(self, programme: str, codes: list[str]) -> list[tuple[str, str]]:
        failed = [c.split(":", 1)[0] for c in codes if c.endswith(":failed")]
        failed = [c for c in failed if c not in TIER_CONDITIONS]
        labels = {c.code: c.label for c in BY_NAME[programme].conditions}
        out: list[tuple[str, str]] = []
        for condition in failed:
            reason = EXIT_REASON_OF.get(condition, "other_condition")
            if reason == "other_condition":
                text = f"不再满足{PROGRAMME_ZH[programme]}条件：{labels.get(condition, condition)}"
            else:
                text = EXIT_TEXT[reason].format(programme=PROGRAMME_ZH[programme])
            if (reason, text) not in out:
                out.append((reason, text))
        return out

    def exit_review(self) -> None:
        weights = self.conf.exit_scores
        rows = _rows(
            self.con,
            """
            WITH enr AS (
                SELECT * FROM enrolments
                WHERE start_date <= $1 AND (end_date IS NULL OR end_date >= $1)
                  AND programme IN {programmes}
            )
            SELECT e.household_id, e.person_id, e.programme,
                   d.status, d.reason_codes, d.income_per_capita, d.standard,
                   p.life_status, p.death_date,
                   EXISTS (
                     SELECT 1 FROM memberships m
                     WHERE m.person_id = e.person_id AND m.household_id = e.household_id
                       AND (m.valid_from IS NULL OR m.valid_from <= $1)
                       AND (m.valid_to IS NULL OR m.valid_to >= $1)
                   ) AS member_now
            FROM enr e
            JOIN households h ON h.household_id = e.household_id
            LEFT JOIN det d ON d.programme = e.programme AND d.household_id = e.household_id
                 AND ((e.person_id IS NULL AND d.person_id IS NULL) OR d.person_id = e.person_id)
            LEFT JOIN persons p ON p.person_id = e.person_id
            ORDER BY e.household_id, e.programme
            """,
            [self.as_of],
        )
        for r in rows:
            programme, hid, pid = r["programme"], r["household_id"], r["person_id"]
            facts = {
                "income_per_capita": None
                if r["income_per_capita"] is None
                else str(r["income_per_capita"]),
                "standard": None if r["standard"] is None else str(r["standard"]),
            }
            person = f"〔{pid}〕" if pid is not None else ""
            if pid is not None and r["status"] is None:
                dead = r["life_status"] == "deceased" or (
                    r["death_date"] is not None and r["death_date"] <= self.as_of
                )
                if dead:
                    code = "person_deceased"
                elif not r["member_now"]:
                    code = "member_left"
                else:
                    continue  # outside the programme's target group now: decided elsewhere
                text = f"享受{PROGRAMME_ZH[programme]}的人员{person}" + EXIT_TEXT[code].format(
                    person=""
                )
                self.add(hid, "exit_review", code, text, weights[code], programme, facts)
                continue
            if r["status"] != "ineligible":
                continue
            for code, text in self._exit_reasons(programme, list(r["reason_codes"] or [])):
                if pid is not None:
                    text = f"享受{PROGRAMME_ZH[programme]}的人员{person}：{text}"
                self.add(hid, "exit_review", code, text, weights.get(code, 50), programme, facts)
        self._members_gone()

    def _members_gone(self) -> None:
        """Enrolled households where a member died or left within the window."""
        rows = _rows(
            self.con,
            """
            WITH enrolled AS (
                SELECT DISTINCT household_id FROM enrolments
                WHERE start_date <= $1 AND (end_date IS NULL OR end_date >= $1)
                  AND programme IN {programmes}
            )
            SELECT m.household_id, m.person_id, p.death_date, m.valid_to,
                   (p.death_date IS NOT NULL AND p.death_date > $2 AND p.death_date <= $1)
                     OR EXISTS (SELECT 1 FROM events ev WHERE ev.person_id = m.person_id
                                AND ev.kind = 'death' AND ev.date > $2 AND ev.date <= $1)
                     AS died,
                   COALESCE(p.death_date, (SELECT max(ev.date) FROM events ev
                        WHERE ev.person_id = m.person_id AND ev.kind = 'death')) AS died_on,
                   m.valid_to IS NOT NULL AND m.valid_to > $2 AND m.valid_to < $1 AS left_
            FROM memberships m
            JOIN enrolled e USING (household_id)
            JOIN households h USING (household_id)
            LEFT JOIN persons p USING (person_id)
            ORDER BY m.household_id, m.person_id
            """,
            [self.as_of, self.window_start],
        )
        weights = self.conf.exit_scores
        for r in rows:
            person = f"〔{r['person_id']}〕"
            if r["died"]:
                text = EXIT_TEXT["member_died"].format(person=person, date=r["died_on"])
                self.add(
                    r["household_id"], "exit_review", "member_died", text, weights["member_died"]
                )
            elif r["left_"]:
                text = EXIT_TEXT["member_gone"].format(person=person, date=r["valid_to"])
                self.add(
                    r["household_id"], "exit_review", "member_left", text, weights["member_left"]
                )

    # --- risk ------------------------------------------------------------------------------------

    def risk(self) -> None:
        conf = self.conf
        w = conf.risk_scores
        disposable = _monthly_disposable(self.snap)
        # Households in the income range of expenditure-type temporary aid (or unknown income),
        # with their counted income over 12 months (from the 低保 row).
        base = _rows(
            self.con,
            """
            SELECT d.household_id, d.area_type, d.income_per_capita, d.counted_members
            FROM det d JOIN households h USING (household_id)
            WHERE d.programme = 'dibao'
            """,
            [],
        )
        income: dict[int, Decimal | None] = {}
        for r in base:
            ipc = r["income_per_capita"]
            line = disposable.get(r["area_type"] or "")
            if conf.risk_income_filter and ipc is not None and line is not None and ipc >= line:
                continue
            n = int(r["counted_members"] or 0)
            income[int(r["household_id"])] = None if ipc is None else Decimal(ipc) * n * 12
        if not income:
            return
        self.con.register(
            "risk_hh", pa.table({"household_id": pa.array(list(income), type=pa.int64())})
        )

        def share_reached(amount: Decimal, hid: int, share: Decimal) -> bool:
            annual = income.get(hid)
            return annual is not None and annual > 0 and amount >= annual * share

        spending = _rows(
            self.con,
            """
            SELECT x.household_id,
                   sum(CASE WHEN x.kind = 'medical' AND x.date > $1 THEN x.amount ELSE 0 END)
                     AS medical,
                   sum(CASE WHEN x.kind = 'education' AND x.date > $2 THEN x.amount ELSE 0 END)
                     AS education
            FROM expenditures x JOIN risk_hh USING (household_id)
            WHERE x.date <= $3 AND x.date > $2
            GROUP BY x.household_id
            """,
            [self.window_start, self.year_start, self.as_of],
        )
        for r in spending:
            hid = int(r["household_id"])
            medical, education = Decimal(r["medical"] or 0), Decimal(r["education"] or 0)
            if medical >= conf.risk_medical_amount or share_reached(
                medical, hid, conf.risk_medical_income_share
            ):
                self.add(
                    hid,
                    "risk",
                    "large_medical_spending",
                    f"近 {conf.risk_window_days} 天医疗自付支出 {_yuan(medical)}",
                    w["large_medical_spending"],
                    facts={"medical_spending": str(medical)},
                )
            # School costs are "heavy" only when large and a large share of the income.
            if education >= conf.risk_education_amount and (
                income.get(hid) is None
                or share_reached(education, hid, conf.risk_education_income_share)
            ):
                self.add(
                    hid,
                    "risk",
                    "heavy_school_costs",
                    f"近一年教育支出 {_yuan(education)}",
                    w["heavy_school_costs"],
                    facts={"education_spending": str(education)},
                )

        # The main earner: the member with the most wage, business or pension income in the
        # last 12 months (the head when nobody has any).
        events = _rows(
            self.con,
            """
            WITH earnings AS (
                SELECT i.person_id, sum(i.amount) AS earned FROM incomes i
                WHERE i.kind IN ('wage', 'business', 'pension') AND i.period_end > $2
                GROUP BY i.person_id
            ),
            members AS (
                SELECT DISTINCT m.household_id, m.person_id FROM memberships m
                JOIN risk_hh USING (household_id)
            ),
            ranked AS (
                SELECT mb.household_id, mb.person_id, COALESCE(e.earned, 0) AS earned,
                       row_number() OVER (PARTITION BY mb.household_id
                         ORDER BY COALESCE(e.earned, 0) DESC,
                                  (mb.person_id = h.head_person_id) DESC, mb.person_id) AS rank
                FROM members mb JOIN households h USING (household_id)
                LEFT JOIN earnings e USING (person_id)
            )
            SELECT r.household_id, r.person_id, r.earned, r.rank, ev.kind, ev.date,
                   p.disability_grade
            FROM ranked r
            JOIN events ev ON ev.person_id = r.person_id
            LEFT JOIN persons p ON p.person_id = r.person_id
            WHERE ev.date > $1 AND ev.date <= $3
              AND ev.kind IN ('death', 'major_illness', 'disability_certified',
                              'disability_changed', 'unemployment', 'disaster', 'accident')
            ORDER BY r.household_id, ev.date
            """,
            [self.window_start, self.year_start, self.as_of],
        )
        for r in events:
            hid, kind, day = int(r["household_id"]), r["kind"], r["date"]
            who = f"〔{r['person_id']}〕"
            if kind == "death" and r["earned"] and r["earned"] > 0:
                self.add(
                    hid,
                    "risk",
                    "earner_died",
                    f"有收入的家庭成员{who}于 {day} 死亡",
                    w["earner_died"],
                )
            elif kind == "major_illness":
                self.add(
                    hid,
                    "risk",
                    "serious_illness",
                    f"家庭成员{who}于 {day} 新患重特大疾病",
                    w["serious_illness"],
                )
            elif kind in ("disability_certified", "disability_changed"):
                grade = r["disability_grade"]
                if grade is not None and grade <= 2:
                    self.add(
                        hid,
                        "risk",
                        "new_severe_disability",
                        f"家庭成员{who}于 {day} 新评定为 {grade} 级残疾",
                        w["new_severe_disability"],
                    )
                else:
                    self.add(
                        hid,
                        "risk",
                        "new_disability",
                        f"家庭成员{who}于 {day} 新办或变更残疾证",
                        w["new_disability"],
                    )
            elif kind == "unemployment":
                if r["rank"] == 1:
                    self.add(
                        hid,
                        "risk",
                        "main_earner_unemployed",
                        f"家庭主要收入成员{who}于 {day} 失业",
                        w["main_earner_unemployed"],
                    )
                else:
                    self.add(
                        hid,
                        "risk",
                        "member_unemployed",
                        f"家庭成员{who}于 {day} 失业",
                        w["member_unemployed"],
                    )
            elif kind == "disaster":
                self.add(hid, "risk", "disaster", f"{day} 遭遇自然灾害", w["disaster"])
            elif kind == "accident":
                self.add(
                    hid, "risk", "accident", f"家庭成员{who}于 {day} 遭遇意外事故", w["accident"]
                )

    # --- result ----------------------------------------------------------------------------------

    def result(self) -> list[Finding]:
        out = []
        for key, finding in sorted(self.found.items()):
            finding.score = _score(self.weights[key], self.conf.score_extra)
            out.append(finding)
        return out


def find(
    *,
    snapshot_dir: Path,
    determinations: Path,
    as_of: dt.date,
    parameters: ParameterSnapshot,
    conf: MonitoringSettings,
) -> Result:
    """Every household's discovery, exit-review and risk findings, and the run's counts."""
    con = _connect(snapshot_dir, determinations)
    try:
        finder = _Finder(con, as_of, parameters, conf)
        finder.discovery()
        finder.exit_review()
        finder.risk()
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for programme, status, n in con.execute(
            "SELECT programme, status, count(*) FROM det GROUP BY ALL ORDER BY ALL"
        ).fetchall():
            counts[programme][status] = int(n)
        households = int(con.execute("SELECT count(*) FROM households").fetchone()[0])  # type: ignore[index]
        return Result(findings=finder.result(), counts=dict(counts), households=households)
    finally:
        con.close()


def write_eligible(*, determinations: Path, out: Path) -> None:
    """The eligible subjects of a run (household, person, programme), for the next comparison."""
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        con.execute(
            f"COPY (SELECT household_id, person_id, programme FROM read_parquet('{determinations}')"
            f" WHERE status = 'eligible') TO '{out}' (FORMAT parquet)"
        )
    finally:
        con.close()


def compare(*, previous: Path, current: Path) -> dict[str, Any]:
    """Subjects newly eligible and no longer eligible, per programme, and households in each."""
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        con.execute(f"CREATE VIEW cur AS SELECT * FROM read_parquet('{current}')")
        con.execute(f"CREATE VIEW prev AS SELECT * FROM read_parquet('{previous}')")
        out: dict[str, Any] = {}
        for name, a, b in (
            ("newly_eligible", "cur", "prev"),
            ("no_longer_eligible", "prev", "cur"),
        ):
            con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {a} EXCEPT SELECT * FROM {b}")
            out[name] = {
                p: int(n)
                for p, n in con.execute(
                    f"SELECT programme, count(*) FROM {name} GROUP BY ALL ORDER BY ALL"
                ).fetchall()
            }
            out[f"{name}_households"] = int(
                con.execute(f"SELECT count(DISTINCT household_id) FROM {name}").fetchone()[0]  # type: ignore[index]
            )
        return out
    finally:
        con.close()
