"""``minzheng restore FILE [--into DIR] [--force]``: restore a backup into a data directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from minzheng.web import backup


class Command(BaseCommand):
    help = (
        "把 minzheng backup 生成的备份校验后恢复到数据目录（默认 MINZHENG_VAR_DIR）；"
        "目录须为空，除非加 --force。"
    )
    requires_system_checks = []  # restoring must not depend on the database it replaces

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path, help="Backup archive (.tar.gz).")
        parser.add_argument(
            "--into", type=Path, help="Data directory to restore into (default: MINZHENG_VAR_DIR)."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore over existing data; it is moved to replaced-<time>/, not deleted.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        into: Path = options["into"] or Path(settings.VAR_DIR)
        if options["into"] is None and settings.DATABASES["default"]["ENGINE"].endswith(
            "postgresql"
        ):
            raise CommandError(
                "当前数据库为 PostgreSQL：请用 pg_restore 恢复数据库；本命令只恢复内置 SQLite 备份，"
                "可用 --into DIR 恢复到单独的数据目录。"
            )
        try:
            result = backup.restore_backup(
                archive=options["archive"], into=into, force=options["force"]
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(self.style.SUCCESS(f"已恢复到 {result.into}"))
        self.stdout.write(
            f"  备份时间   {manifest['created_at']}（版本 {manifest['version']}）\n"
            f"  数据库     sha256 校验通过，{sum(manifest['counts'].values()):,} 行\n"
            f"  媒体文件   {manifest['media']['files']} 个"
        )
        if result.moved_aside:
            self.stdout.write(f"  原有数据已移到 {result.moved_aside}")
        if result.kept_keys:
            self.stdout.write(
                self.style.WARNING(
                    f"备份不含密钥，保留了目录中现有的 {', '.join(result.kept_keys)}："
                    "它们必须是备份时使用的密钥。"
                )
            )
        self.stdout.write(
            f"启动：MINZHENG_VAR_DIR={result.into} minzheng migrate && "
            f"MINZHENG_VAR_DIR={result.into} minzheng serve"
        )
