"""``minzheng demo``: divisions, org units, roles and one demo account per role, then a table.

Idempotent and quick when everything is there already (``make run`` calls it every time).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from minzheng.demo import accounts as demo_accounts
from minzheng.demo import loop as demo_loop
from minzheng.demo import monitoring as demo_monitoring
from minzheng.demo import population


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def render_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table whose columns line up with Chinese text in them."""
    widths = [
        max(_width(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)
    ]
    rule = "  ".join("─" * w for w in widths)
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip(), rule]
    lines += [
        "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "载入演示环境：行政区划、角色、全市民政机构、演示社会组织和每个角色一个演示账号；"
        "已载入时跳过。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--migrate",
            action="store_true",
            help="Apply database migrations first (saves `make run` a process start).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set every demo account's password back to the demo password and unlock it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=options["verbosity"])
        result = demo_accounts.load_demo_accounts(reset_passwords=options["reset_passwords"])
        if result.skipped:
            self.stdout.write("演示数据已载入，跳过。")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"演示数据已载入：新建演示机构 {result.created_orgs} 个，"
                    f"演示账号 {result.created_users} 个。"
                )
            )
        if options["reset_passwords"]:
            self.stdout.write(f"已重置 {result.passwords_reset} 个演示账号的密码并解除锁定。")
        self._load_population()
        self._screen()
        self._loop()
        self._print_accounts()

    def _load_population(self) -> None:
        """The synthetic population (``MINZHENG_DEMO_PERSONS`` persons), once; see population.md."""
        loaded = population.load_demo_population(progress=self.stdout.isatty())
        if loaded.skipped:
            self.stdout.write("合成人口已载入，跳过。")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"合成人口已载入：{loaded.persons:,} 人、{loaded.households:,} 户"
                    f"（生成 {loaded.generate_seconds:.0f} 秒，入库 {loaded.load_seconds:.0f} 秒）。"
                )
            )

    def _screen(self) -> None:
        """A first screening run over the population, so that alerts are waiting; once."""
        result = demo_monitoring.first_screening_run()
        if result is None:
            self.stdout.write("监测评估已有记录，跳过。")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"监测评估 #{result.pk} 已完成：新增预警 {result.alerts_created_total} 条"
                f"（用时 {result.duration_seconds or 0:.0f} 秒）。"
            )
        )

    def _loop(self) -> None:
        """The demo workers take alerts up: cases at every stage, referrals open; once."""
        result = demo_loop.run_demo_loop()
        if result.skipped:
            self.stdout.write(
                "演示办理已有记录，跳过。"
                if result.reason == "done before"
                else "缺少演示账号，跳过演示办理。"
            )
            return
        cases = sum(n for k, n in result.cases.items() if k != "escalated_deadlines")
        self.stdout.write(
            self.style.SUCCESS(
                f"演示办理已完成：案件 {cases} 件，转介 {result.referrals['sent']} 项，"
                f"待核查预警 {result.alerts['waiting']} 条（用时 {result.seconds:.1f} 秒）。"
            )
        )

    def _print_accounts(self) -> None:
        rows = demo_accounts.demo_account_rows()
        table = render_table(
            ["登录名", "姓名", "角色", "所在机构", "管辖范围", "双因素密钥 (TOTP)"],
            [
                [r.username, r.full_name, r.role, r.org_unit, r.scope, r.totp_secret or "—"]
                for r in rows
            ],
        )
        self.stdout.write("")
        self.stdout.write(table)
        self.stdout.write("")
        self.stdout.write(
            f"所有演示账号的密码：{self.style.SUCCESS(demo_accounts.DEMO_PASSWORD)}"
            "（忘记或被锁定：minzheng demo --reset-passwords）"
        )
        self.stdout.write(
            "有双因素密钥的账号登录时要输入验证码：把密钥添加到手机验证器（如 Google "
            "Authenticator），或运行 `minzheng totp_code 登录名` 查看当前验证码。"
        )
        if settings.DEMO_SKIP_TWO_FACTOR:
            self.stdout.write(
                self.style.WARNING("MINZHENG_DEMO_SKIP_2FA 已开启：演示账号登录不要求验证码。")
            )
        else:
            self.stdout.write(
                "只在笔记本上演示时，可用 MINZHENG_DEMO_SKIP_2FA=1 make run 让演示账号免验证码"
                "（默认关闭，切勿用于生产）。"
            )
