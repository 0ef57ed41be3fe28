"""``minzheng cases_check``: run the daily case check now (reminders, escalation of overdue
deadlines and referrals, gradual exits that end, re-checks that fall due, the month's payments)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from minzheng.cases import services


class Command(BaseCommand):
    help = "运行每日案件检查：到期提醒、逾期上报、渐退期届满、定期复核、本月发放。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", default="", help="检查日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from exc
        result = services.daily_check(today=day)
        self.stdout.write(
            f"提醒 {result.reminded}，逾期上报 {result.escalated}，转介逾期 "
            f"{result.referrals_escalated}，渐退届满 {result.exits_ended}，新建复核 "
            f"{result.rechecks_opened}，生成发放 {result.payments_created}"
        )
