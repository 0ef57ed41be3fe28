"""``minzheng backup [--out FILE] [--without-keys]``: archive the embedded database and media."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from minzheng.web import backup


class Command(BaseCommand):
    help = (
        "备份内置 SQLite 数据库、媒体文件与密钥到一个 .tar.gz（含清单：时间、版本、行数、sha256）。"
        "PostgreSQL 请用 pg_dump。"
    )
    # On PostgreSQL it only says to use pg_dump: it must not need the database to answer.
    requires_system_checks = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--out",
            type=Path,
            help="Archive to write (default: var/backups/minzheng-<time>.tar.gz).",
        )
        parser.add_argument(
            "--without-keys",
            action="store_true",
            help="Leave secret_key and encryption.key out; keep them safe elsewhere.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"] or backup.default_backup_path()
        try:
            result = backup.create_backup(out=out, include_keys=not options["without_keys"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(self.style.SUCCESS(f"备份完成：{result.path}"))
        self.stdout.write(f"  sha256     {result.sha256}")
        self.stdout.write(
            f"  数据库     {manifest['database']['bytes']:,} 字节，"
            f"{sum(manifest['counts'].values()):,} 行，{len(manifest['counts'])} 张表"
        )
        self.stdout.write(f"  媒体文件   {manifest['media']['files']} 个")
        if manifest["includes_keys"]:
            self.stdout.write(
                self.style.WARNING(
                    "注意：本备份包含密钥（secret_key、encryption.key），持有它即可解密身份证号等"
                    "个人信息。请像对待密钥本身一样保管；如需分开保管，请使用 --without-keys。"
                )
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    "本备份不含密钥：恢复后须提供原来的 encryption.key（或 MINZHENG_ENCRYPTION_KEY），"
                    "否则加密的个人信息无法读取。"
                )
            )
