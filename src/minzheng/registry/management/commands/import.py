"""``minzheng import FEED FILE``: import a department's file from the terminal, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from minzheng.registry.ingest import FEEDS, Counters, run_import, services, template

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "导入部门数据文件（.xlsx、.csv、.json）：minzheng import 数据源编码 文件路径。--list 列出数据源。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "feed", nargs="?", help="数据源编码，如 police_hukou（--list 查看全部）"
        )
        parser.add_argument("file", nargs="?", help="要导入的文件")
        parser.add_argument("--list", action="store_true", help="列出所有数据源及其列")
        parser.add_argument(
            "--template",
            metavar="OUT",
            default="",
            help="把该数据源的导入模板（.xlsx，表头与填写说明）写到 OUT，不导入",
        )
        parser.add_argument("--user", default="", help="以该用户名义导入（默认：系统）")
        parser.add_argument(
            "--division", default="", help="批次归属的区划代码（默认：用户所在区划；系统为全市）"
        )
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self._list()
            return
        feed, file = options["feed"], options["file"]
        if feed and feed not in FEEDS:
            raise CommandError(f"未知的数据源“{feed}”，可用：{'、'.join(FEEDS)}")
        if feed and options["template"]:
            out = Path(options["template"])
            out.write_bytes(template.template(FEEDS[feed]))
            self.stdout.write(f"已写出“{FEEDS[feed].name}”的导入模板：{out}")
            return
        if not feed or not file:
            raise CommandError(
                "用法：minzheng import 数据源编码 文件路径（--list 查看数据源；"
                "--template 模板.xlsx 写出导入模板）"
            )
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        by = self._user(options["user"])
        division = None
        if options["division"]:
            try:
                division = services.division_for_code(options["division"])
            except ObjectDoesNotExist:
                raise CommandError(f"区划代码不存在：{options['division']}") from None
        bar = None if options["no_progress"] else tqdm(desc=FEEDS[feed].name, unit="行")

        def advance(counters: Counters) -> None:
            if bar is None:
                return
            if counters.rows_total and bar.total != counters.rows_total:
                bar.total = counters.rows_total
            bar.update(counters.rows_done - bar.n)
            bar.set_postfix(
                新增=counters.rows_created, 相同=counters.rows_unchanged, 错误=counters.rows_failed
            )

        try:
            batch = run_import(
                feed_code=feed, path=path, by=by, progress=advance, division=division
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(f"批次 {batch.pk}：{batch.get_status_display()}")
        self.stdout.write(batch.message)
        for error in batch.errors[:SHOWN_ERRORS]:
            self.stdout.write(
                f"  {batch.file_name} 第{error['row']}行【{error['column']}】"
                f"“{error['value']}”：{error['message']}"
            )
        if batch.rows_failed > SHOWN_ERRORS:
            self.stdout.write(f"  ……共{batch.rows_failed}行有错误")
        if batch.error_file:
            self.stdout.write(f"错误行文件：{batch.error_file.path}")
        if batch.status == batch.Status.FAILED:
            raise CommandError("导入失败")
        if services.tidy_after(batch):
            self.stdout.write("已整理数据库（VACUUM ANALYZE），后续查询与导入更快。")

    def _user(self, username: str) -> Any:
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except ObjectDoesNotExist:
            raise CommandError(f"用户不存在：{username}") from None

    def _list(self) -> None:
        for spec in FEEDS.values():
            self.stdout.write(f"{spec.code}\t{spec.name}\t（{spec.department}）")
            for column in spec.columns:
                mark = "*" if column.required else " "
                also = f"（也可写作：{'、'.join(column.aliases)}）" if column.aliases else ""
                self.stdout.write(f"    {mark} {column.header}{also}")
