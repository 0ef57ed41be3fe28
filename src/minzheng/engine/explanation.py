"""``explain()``: why one household got its outcome for one programme.

The explanation is built from the very frame ``evaluate()`` computes, restricted to the household:
each condition met / not met / unknown with the values that decided it, each parameter with its
document, date and ``verified`` flag, and each input record with its source. It renders as Chinese
text a caseworker can read (``render()``) and as JSON (``as_dict()``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from minzheng.engine import schema
from minzheng.engine.backends import Backend
from minzheng.engine.evaluation import (
    SMALL_POPULATION,
    ParametersArg,
    PopulationArg,
    evaluate,
    resolve_parameters,
)
from minzheng.engine.household import (
    HouseholdRun,
    arrow_slice,
    household_tables,
    recall,
    remember,
)
from minzheng.engine.household import engine as household_engine
from minzheng.engine.parameters import ParameterSnapshot
from minzheng.engine.plan import snapshot_key
from minzheng.engine.population import (
    ArrowSource,
    Population,
    in_memory_tables,
    load_population,
)
from minzheng.engine.programmes import BY_NAME

STATUS_ZH = {"eligible": "符合", "ineligible": "不符合", "unknown": "无法判定（缺少数据）"}
MET_ZH = {True: "✔ 满足", False: "✘ 不满足", None: "？ 未知"}
TABLE_ZH = {
    "persons": "人员",
    "households": "家庭",
    "memberships": "家庭成员关系",
    "incomes": "收入",
    "assets": "财产",
    "expenditures": "支出",
    "events": "事件",
    "enrolments": "在享救助",
}
# Frame columns shown in explanations: Chinese label; columns ending in _fen are yuan.
VALUE_ZH = {
    "counted_members": "计入的共同生活成员数",
    "income_per_capita_fen": "月人均收入",
    "standard_fen": "低保标准（每人每月）",
    "financial_fen": "金融资产合计",
    "financial_limit_fen": "金融资产上限（含豁免）",
    "major_illness_members": "重特大疾病成员数",
    "homes": "住房套数（不含 C、D 级危房）",
    "limit_fen": "收入线（每人每月）",
    "age": "年龄",
    "disability_grade": "残疾等级",
    "disability_kind": "残疾类别",
    "major_illness": "重特大疾病",
    "own_financial_fen": "本人金融资产",
    "supporters": "户内法定义务人数",
    "able_supporters": "其中有履行能力的人数",
    "rigid_spending_fen": "近 12 个月刚性支出",
    "rigid_income_fen": "近 12 个月家庭收入",
    "disposable_monthly_fen": "上年度人均可支配收入（按月）",
    "emergency_events": "近期突发事件数",
    "ta_spending_fen": "必需支出（医疗、教育）",
    "income_fen": "计算期家庭收入合计",
    "parents_recorded": "户内登记的父母人数",
    "parents_deceased": "其中已死亡人数",
    "detail": "说明",
}


def _yuan(fen: int | None) -> str:
    if fen is None:
        return "未知"
    return f"{Decimal(fen) / 100:,.2f} 元"


def _display(column: str, value: Any) -> str:
    if column.endswith("_fen"):
        return _yuan(value)
    if value is None:
        return "未知"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


_PLAIN = (str, int, float, bool, type(None))


def _json(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


@dataclass
class Explanation:
    """The tree of values that decided one programme for one household."""

    programme: str
    label: str
    legal_basis: str
    as_of: dt.date
    household_id: int
    subjects: list[dict[str, Any]]
    parameters: list[dict[str, Any]]
    inputs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The inputs as JSON values and as rendered lines, shared by the explanations of one
    # household (``explain_household`` makes them once, not once per programme).
    _inputs_shown: _Inputs | None = field(default=None, repr=False, compare=False)

    @property
    def _shown(self) -> _Inputs:
        if self._inputs_shown is None or self._inputs_shown.source is not self.inputs:
            self._inputs_shown = _Inputs(self.inputs)
        return self._inputs_shown

    def _head(self) -> dict[str, Any]:
        """``as_dict()`` without the inputs."""
        return dict(
            _json(
                {
                    "programme": self.programme,
                    "label": self.label,
                    "legal_basis": self.legal_basis,
                    "as_of": self.as_of,
                    "household_id": self.household_id,
                    "subjects": self.subjects,
                    "parameters": self.parameters,
                }
            )
        )

    def as_dict(self) -> dict[str, Any]:
        out = self._head()
        out["inputs"] = self._shown.json()
        return out

    def to_json(self) -> str:
        """``as_dict()`` as indented JSON. The inputs, the same in every explanation of the
        household and most of the text, are encoded once and spliced in as the last key."""
        head = json.dumps(self._head(), ensure_ascii=False, indent=2)
        # ``head`` ends with "\n}"; the inputs part starts with "\n  \"inputs\": ".
        return head[:-2] + "," + self._shown.json_text()

    def render(self) -> str:
        """Chinese text: outcome, conditions with values, parameters with sources, input records."""
        out = [f"{self.label} — 家庭 {self.household_id} — 判定日期 {self.as_of.isoformat()}"]
        basis = self.legal_basis.strip().splitlines()
        out.append("依据：" + " ".join(line.strip() for line in basis[:6] if line.strip()))
        if not self.subjects:
            out.append("结论：家庭中没有属于本项目对象范围的成员（视为不符合）。")
        for subj in self.subjects:
            who = "本户" if subj["person_id"] is None else f"成员 {subj['person_id']}"
            amount = subj["monthly_amount"]
            line = f"【{who}】结论：{STATUS_ZH[subj['status']]}"
            if subj["status"] == "eligible":
                line += f"，金额 {amount:,.2f} 元" if amount is not None else "，金额未知"
            out.append(line)
            for cond in subj["conditions"]:
                values = "；".join(f"{v['label']} {v['display']}" for v in cond["values"])
                flag = "" if cond["decisive"] else "（参考）"
                out.append(
                    f"  {MET_ZH[cond['met']]} {cond['label']}{flag}"
                    + (f"：{values}" if values else "")
                )
            if subj["reason_codes"]:
                out.append("  原因代码：" + ", ".join(subj["reason_codes"]))
        out.append("参数：")
        for p in self.parameters:
            value = "未知（未录入）" if not p["known"] else f"{p['value']} {p['unit']}"
            mark = "已核实" if p["verified"] else "未核实"
            src = p["source"] or "无来源"
            since = f"，{p['effective_from']} 起" if p["effective_from"] else ""
            article = f" {p['article']}" if p["article"] else ""
            out.append(
                f"  {p['name']}（{p['description']}）= {value}；{src}{article}{since}；{mark}"
            )
        out.append("输入记录：")
        out.extend(self._shown.lines())
        return "\n".join(out)


class _Inputs:
    """One household's input records as JSON values and as text lines, made once."""

    def __init__(self, source: dict[str, list[dict[str, Any]]]) -> None:
        self.source = source
        self._json: Any = None
        self._text: str | None = None
        self._lines: list[str] | None = None

    def _converted(self) -> Any:
        """The values converted for JSON (once)."""
        if self._json is None:
            self._json = _json(self.source)
        return self._json

    def json(self) -> Any:
        """A fresh copy for each caller (they may change it), of values converted once."""
        return {table: [dict(row) for row in rows] for table, rows in self._converted().items()}

    def json_text(self) -> str:
        """The end of an explanation's indented JSON: ``"inputs": …`` and the closing brace."""
        if self._text is None:
            inputs = {"inputs": self._converted()}
            self._text = json.dumps(inputs, ensure_ascii=False, indent=2)[1:]
        return self._text

    def lines(self) -> list[str]:
        if self._lines is None:
            lines = []
            for table, rows in self.source.items():
                for row in rows:
                    shown = ", ".join(
                        f"{k}={_json(v)}"
                        for k, v in row.items()
                        if v not in (None, "") and k not in ("source", "id_number")
                    )
                    lines.append(
                        f"  {TABLE_ZH.get(table, table)}：{shown}"
                        f"（来源：{row.get('source') or '未知'}）"
                    )
            self._lines = lines
        return self._lines


def explain(
    population: PopulationArg,
    household_id: int,
    programme: str,
    parameters: ParametersArg = None,
    as_of: dt.date | None = None,
    backend: Backend | str = "duckdb",
) -> Explanation:
    """Explain ``programme`` for one household, through the same expressions as ``evaluate``."""
    if programme not in BY_NAME:
        raise ValueError(f"unknown programme {programme!r}")
    found = explain_household(
        population, household_id, parameters, as_of, backend, programmes=[programme]
    )
    return found[programme]


def explain_household(
    population: PopulationArg,
    household_id: int,
    parameters: ParametersArg = None,
    as_of: dt.date | None = None,
    backend: Backend | str = "duckdb",
    *,
    programmes: Sequence[str] | None = None,
) -> dict[str, Explanation]:
    """Every programme's explanation (or the named ones') for one household, from one
    evaluation of the household: its rows are read once and run through the prepared plan."""
    names = list(programmes) if programmes is not None else list(BY_NAME)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown programmes: {unknown}")
    if as_of is None:
        as_of = parameters.as_of if isinstance(parameters, ParameterSnapshot) else dt.date.today()
    snap = resolve_parameters(parameters, as_of)
    run = _household_run(population, household_id, snap, backend)
    dets: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for det in run.determinations.to_pylist():
        if det["household_id"] == household_id and det["programme"] in dets:
            dets[det["programme"]].append(det)
    inputs = {name: run.inputs[name].to_pylist() for name in schema.TABLES}
    for person in inputs["persons"]:
        person.pop("id_number", None)
    shown = _Inputs(inputs)
    found = {
        name: _explanation(run, household_id, name, snap, dets[name], inputs) for name in names
    }
    for explanation in found.values():
        explanation._inputs_shown = shown
    return found


def _household_run(
    population: PopulationArg, household_id: int, snap: ParameterSnapshot, backend: str
) -> HouseholdRun:
    """The household's evaluation. A population given in memory is evaluated whole and kept
    (``household.remember``): explaining several programmes or households of it in turn, or
    after ``evaluate(...).to_pyarrow()`` of the same source, costs one run."""
    memory = in_memory_tables(population) if backend == "duckdb" else None
    if memory is not None:  # no connection needed: the household engine reads them
        if memory["persons"].num_rows > SMALL_POPULATION:
            return household_engine().run(arrow_slice(memory, [household_id]), snap)
        key = snapshot_key(snap)
        run = recall(population, key)
        if run is None:
            run = household_engine().run(memory, snap)
            remember(population, key, run)
        if isinstance(population, ArrowSource) and population.household_id == household_id:
            return run  # the source holds that household's rows only: nothing to slice out
        return HouseholdRun(
            determinations=run.determinations,
            frames=run.frames,
            inputs=arrow_slice(dict(run.inputs), [household_id]),
        )
    pop = population if isinstance(population, Population) else load_population(population, backend)
    tables = household_tables(pop, [household_id])
    if pop.backend == "duckdb":
        return household_engine().run(tables, snap)
    return _run_on_backend(pop, tables, snap)


def _run_on_backend(
    pop: Population, tables: dict[str, Any], snap: ParameterSnapshot
) -> HouseholdRun:
    """The household through the backend's own plan (Spark): slower, the same expressions."""
    sub = load_population(tables, pop.backend, con=pop.con)
    ev = evaluate(sub, snap)
    frames = {name: sub.con.to_pyarrow(table).to_pylist() for name, table in ev.frames.items()}
    return HouseholdRun(determinations=ev.to_pyarrow(), frames=frames, inputs=tables)


def _explanation(
    run: HouseholdRun,
    household_id: int,
    programme: str,
    snap: ParameterSnapshot,
    dets: list[dict[str, Any]],
    inputs: dict[str, list[dict[str, Any]]],
) -> Explanation:
    prog = BY_NAME[programme]
    rows = [r for r in run.frames[programme] if r["household_id"] == household_id]
    key = "person_id" if prog.level == "person" else "household_id"
    by_subject = {d[key]: d for d in dets}
    subjects = []
    for row in sorted(rows, key=lambda r: r.get("person_id") or 0):
        det = by_subject[row[key]]
        conditions = []
        for cond in prog.conditions:
            conditions.append(
                {
                    "code": cond.code,
                    "label": cond.label,
                    "met": row[f"c_{cond.code}"],
                    "decisive": cond.decisive,
                    "parameters": list(cond.parameters),
                    "values": [
                        {
                            "column": col,
                            "label": VALUE_ZH.get(col, col),
                            "value": row.get(col),
                            "display": _display(col, row.get(col)),
                        }
                        for col in cond.values
                    ],
                }
            )
        subjects.append(
            {
                "person_id": row.get("person_id") if prog.level == "person" else None,
                "status": det["status"],
                "monthly_amount": det["monthly_amount"],
                "reason_codes": det["reason_codes"],
                "detail": det["detail"],
                "conditions": conditions,
                "unverified_parameters": det["unverified_parameters"],
            }
        )
    return Explanation(
        programme=programme,
        label=prog.label,
        legal_basis=prog.legal_basis,
        as_of=snap.as_of,
        household_id=household_id,
        subjects=subjects,
        parameters=[snap.get(name).as_dict() for name in prog.parameters],
        inputs=inputs,
    )
