"""``minzheng explain``: why one registry household gets what it gets from each programme.

    minzheng explain --household NUMBER --programme dibao [--as-of 2025-09-30] [--json]
    minzheng explain --household NUMBER            # every programme's outcome, one line each

The household is read from the registry (its number, or its database id), the parameters in
force on the day from the database; the same run as the household page and the API.
The explanation carries no name and no ID number (the registry's snapshot leaves both out).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.monitoring import outcomes
from minzheng.registry.models import Household


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式不正确：“{text}”，应为 YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "打印一户家庭某救助项目的判定说明（不指定项目时列出全部项目的结论）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--household", required=True, help="家庭编号（或数据库 id）")
        parser.add_argument(
            "--programme", default="", help=f"救助项目：{'、'.join(outcomes.PROGRAMMES)}"
        )
        parser.add_argument("--as-of", default="", help="判定日期 YYYY-MM-DD（默认今日）")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        household = self._household(options["household"])
        if household.closed_at is not None:
            raise CommandError(f"家庭 {household.number} 已注销，不参与评估")
        day = _date(options["as_of"]) if options["as_of"] else timezone.localdate()
        programme = options["programme"]
        chosen = (programme,) if programme else None
        try:
            outcome = outcomes.household_outcome(
                household=household, as_of=day, programmes=chosen, with_names=False
            )
        except outcomes.UnknownProgramme as exc:
            raise CommandError(str(exc)) from None
        if outcome.from_seed:
            self.stderr.write(
                "参数库为空，按审定的参数种子评估（请先运行 minzheng load_parameters）"
            )
        if programme:
            explanation = outcome.explanation(programme)
            self.stdout.write(explanation.to_json() if options["json"] else explanation.render())
            return
        if options["json"]:
            rows = [e.as_dict() for e in outcome.explanations.values()]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        self._summary(outcome)

    def _household(self, key: str) -> Household:
        found = Household.objects.filter(number=key).first()
        if found is None and key.isdigit():
            found = Household.objects.filter(pk=int(key)).first()
        if found is None:
            raise CommandError(f"找不到家庭“{key}”（请给出家庭编号或数据库 id）")
        return found

    def _summary(self, outcome: outcomes.HouseholdOutcome) -> None:
        self.stdout.write(
            f"家庭 {outcome.household.number}（id {outcome.household.pk}）— {outcome.as_of}"
        )
        for p in outcome.programmes:
            amount = (
                "" if p.monthly_amount is None or not p.cash else f"，每月 {p.monthly_amount} 元"
            )
            reasons = "；".join(p.reasons)
            self.stdout.write(
                f"  {p.programme:26} {p.label}：{p.status_label}{amount}"
                + (f"（{reasons}）" if reasons else "")
            )
