"""The finding rules: discovery, exit review and risk (see ``minzheng.monitoring.findings``).

Each takes the ``Finder`` (the DuckDB connection over the snapshot and the determinations, the
date, the parameters and the platform settings) and adds what it finds.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa

from minzheng.engine.programmes import BY_NAME
from minzheng.monitoring.findings.base import (
    EXIT_REASON_OF,
    EXIT_TEXT,
    PROGRAMME_ZH,
    TIER_CONDITIONS,
    Finder,
    monthly_disposable,
    query_rows,
    yuan,
)

# --- discovery -------------------------------------------------------------------------------


def discovery(finder: Finder) -> None:
    rows = query_rows(
        finder.con,
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
        [finder.as_of],
    )
    for r in rows:
        programme = r["programme"]
        label = PROGRAMME_ZH[programme]
        amount = r["monthly_amount"]
        text = f"符合{label}条件但未纳入"
        if r["person_id"] is not None:
            text = f"成员〔{r['person_id']}〕{text}"
        if amount:
            text += f"，测算每月 {yuan(amount)}"
        finder.add(
            r["household_id"],
            "discovery",
            f"{programme}:eligible_not_enrolled",
            text,
            finder.conf.discovery_scores.get(programme, 50),
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

# --- exit review -----------------------------------------------------------------------------


def _exit_reasons(finder: Finder, programme: str, codes: list[str]) -> list[tuple[str, str]]:
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


def exit_review(finder: Finder) -> None:
    weights = finder.conf.exit_scores
    rows = query_rows(
        finder.con,
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
        [finder.as_of],
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
                r["death_date"] is not None and r["death_date"] <= finder.as_of
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
            finder.add(hid, "exit_review", code, text, weights[code], programme, facts)
            continue
        if r["status"] != "ineligible":
            continue
        for code, text in _exit_reasons(finder, programme, list(r["reason_codes"] or [])):
            if pid is not None:
                text = f"享受{PROGRAMME_ZH[programme]}的人员{person}：{text}"
            finder.add(hid, "exit_review", code, text, weights.get(code, 50), programme, facts)
    _members_gone(finder)


def _members_gone(finder: Finder) -> None:
    """Enrolled households where a member died or left within the window."""
    rows = query_rows(
        finder.con,
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
        [finder.as_of, finder.window_start],
    )
    weights = finder.conf.exit_scores
    for r in rows:
        person = f"〔{r['person_id']}〕"
        if r["died"]:
            text = EXIT_TEXT["member_died"].format(person=person, date=r["died_on"])
            finder.add(
                r["household_id"], "exit_review", "member_died", text, weights["member_died"]
            )
        elif r["left_"]:
            text = EXIT_TEXT["member_gone"].format(person=person, date=r["valid_to"])
            finder.add(
                r["household_id"], "exit_review", "member_left", text, weights["member_left"]
            )


# --- risk ------------------------------------------------------------------------------------

# --- risk ------------------------------------------------------------------------------------


def risk(finder: Finder) -> None:
    conf = finder.conf
    w = conf.risk_scores
    disposable = monthly_disposable(finder.snap)
    # Households in the income range of expenditure-type temporary aid (or unknown income),
    # with their counted income over 12 months (from the 低保 row).
    base = query_rows(
        finder.con,
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
    finder.con.register(
        "risk_hh", pa.table({"household_id": pa.array(list(income), type=pa.int64())})
    )

    def share_reached(amount: Decimal, hid: int, share: Decimal) -> bool:
        annual = income.get(hid)
        return annual is not None and annual > 0 and amount >= annual * share

    spending = query_rows(
        finder.con,
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
        [finder.window_start, finder.year_start, finder.as_of],
    )
    for r in spending:
        hid = int(r["household_id"])
        medical, education = Decimal(r["medical"] or 0), Decimal(r["education"] or 0)
        if medical >= conf.risk_medical_amount or share_reached(
            medical, hid, conf.risk_medical_income_share
        ):
            finder.add(
                hid,
                "risk",
                "large_medical_spending",
                f"近 {conf.risk_window_days} 天医疗自付支出 {yuan(medical)}",
                w["large_medical_spending"],
                facts={"medical_spending": str(medical)},
            )
        # School costs are "heavy" only when large and a large share of the income.
        if education >= conf.risk_education_amount and (
            income.get(hid) is None
            or share_reached(education, hid, conf.risk_education_income_share)
        ):
            finder.add(
                hid,
                "risk",
                "heavy_school_costs",
                f"近一年教育支出 {yuan(education)}",
                w["heavy_school_costs"],
                facts={"education_spending": str(education)},
            )

    # The main earner: the member with the highest yearly rate of wage, business or pension
    # income in the last 12 months (the head when nobody has any).
    events = query_rows(
        finder.con,
        """
        WITH earnings AS (
            -- At the yearly rate of each income (a job lost in the year earned for
            -- part of it only).
            SELECT i.person_id,
                   sum(i.amount * 365.0
                       / (date_diff('day', i.period_start, i.period_end) + 1)) AS earned
            FROM incomes i
            WHERE i.kind IN ('wage', 'business', 'pension') AND i.period_end > $2
              AND i.period_end >= i.period_start
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
        [finder.window_start, finder.year_start, finder.as_of],
    )
    for r in events:
        hid, kind, day = int(r["household_id"]), r["kind"], r["date"]
        who = f"〔{r['person_id']}〕"
        if kind == "death" and r["earned"] and r["earned"] > 0:
            finder.add(
                hid,
                "risk",
                "earner_died",
                f"有收入的家庭成员{who}于 {day} 死亡",
                w["earner_died"],
            )
        elif kind == "major_illness":
            finder.add(
                hid,
                "risk",
                "serious_illness",
                f"家庭成员{who}于 {day} 新患重特大疾病",
                w["serious_illness"],
            )
        elif kind in ("disability_certified", "disability_changed"):
            grade = r["disability_grade"]
            if grade is not None and grade <= 2:
                finder.add(
                    hid,
                    "risk",
                    "new_severe_disability",
                    f"家庭成员{who}于 {day} 新评定为 {grade} 级残疾",
                    w["new_severe_disability"],
                )
            else:
                finder.add(
                    hid,
                    "risk",
                    "new_disability",
                    f"家庭成员{who}于 {day} 新办或变更残疾证",
                    w["new_disability"],
                )
        elif kind == "unemployment":
            if r["rank"] == 1:
                finder.add(
                    hid,
                    "risk",
                    "main_earner_unemployed",
                    f"家庭主要收入成员{who}于 {day} 失业",
                    w["main_earner_unemployed"],
                )
            else:
                finder.add(
                    hid,
                    "risk",
                    "member_unemployed",
                    f"家庭成员{who}于 {day} 失业",
                    w["member_unemployed"],
                )
        elif kind == "disaster":
            finder.add(hid, "risk", "disaster", f"{day} 遭遇自然灾害", w["disaster"])
        elif kind == "accident":
            finder.add(
                hid, "risk", "accident", f"家庭成员{who}于 {day} 遭遇意外事故", w["accident"]
            )


# --- result ----------------------------------------------------------------------------------
