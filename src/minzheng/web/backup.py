"""Backup and restore of the embedded platform: the SQLite database, media files and keys.

An archive is a ``.tar.gz`` laid out like the data directory (``MINZHENG_VAR_DIR``) it restores
into, plus ``manifest.json``::

    manifest.json        when, which version, row counts per table, sha256 of every file
    minzheng.sqlite3     a consistent copy made with SQLite's online backup API
    media/...            uploaded files (evidence)
    secret_key           the keys in use (unless made with ``include_keys=False``): without
    encryption.key       encryption.key the encrypted ID numbers in the copy cannot be read

On PostgreSQL the database is backed up with the database's own tools (pg_dump), not here.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from minzheng.audit import services as audit_services
from minzheng.web.selectors import platform_version

FORMAT = 1
MANIFEST = "manifest.json"
DB_FILE = "minzheng.sqlite3"
MEDIA_DIR = "media"
KEY_FILES = ("secret_key", "encryption.key")
# Written into the data directory after a restore, to tell later where its data came from.
RESTORED_MANIFEST = "restored-backup.json"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    sha256: str


@dataclass(frozen=True)
class RestoreResult:
    into: Path
    manifest: dict[str, Any]
    moved_aside: Path | None = None
    kept_keys: list[str] = field(default_factory=list)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _table_counts(db_path: Path) -> dict[str, int]:
    """Rows per table of the SQLite file at ``db_path``."""
    with sqlite3.connect(db_path) as db:
        names = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live database (WAL and all), as one self-contained file."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # The copy carries the source's WAL flag; a file in an archive must stand alone.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def database_file() -> Path:
    """The embedded database's file; BackupError when the platform runs on another database."""
    if connection.vendor != "sqlite":
        raise BackupError(
            f"当前数据库为 {connection.vendor}（DATABASE_URL）：请用数据库自身的工具备份，"
            '例如 `pg_dump --format=custom --file=minzheng.dump "$DATABASE_URL"`，'
            f"并另行备份媒体文件目录 {settings.MEDIA_ROOT} 与密钥。"
            "minzheng backup 只备份内置的 SQLite 数据库。"
        )
    return Path(settings.DATABASES["default"]["NAME"])


def create_backup(*, out: Path, include_keys: bool = True) -> BackupResult:
    """Write an archive of the database, media and (unless told not to) keys to ``out``.

    The database is copied with SQLite's online backup API, so the platform may keep running.
    The archive is written next to ``out`` and renamed into place when complete; with keys in
    it, it is readable by its owner only. An audit event records that the backup was made.
    """
    db_path = database_file()
    if not db_path.exists():
        raise BackupError(f"数据库文件 {db_path} 不存在：没有可备份的数据。")
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)

    with tempfile.TemporaryDirectory(prefix=".backup-", dir=out.parent) as tmp:
        staged_db = Path(tmp) / DB_FILE
        _copy_sqlite(db_path, staged_db)
        files: dict[str, str] = {DB_FILE: _sha256_file(staged_db)}
        media_files = (
            sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.is_dir() else []
        )
        for path in media_files:
            files[f"{MEDIA_DIR}/{path.relative_to(media_root).as_posix()}"] = _sha256_file(path)
        keys = {"secret_key": settings.SECRET_KEY, "encryption.key": settings.ENCRYPTION_KEY}
        if include_keys:
            for name, value in keys.items():
                files[name] = hashlib.sha256(value.encode()).hexdigest()
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "version": platform_version(),
            "database": {
                "file": DB_FILE,
                "sha256": files[DB_FILE],
                "bytes": staged_db.stat().st_size,
            },
            "counts": _table_counts(staged_db),
            "media": {
                "files": len(media_files),
                "bytes": sum(p.stat().st_size for p in media_files),
            },
            "includes_keys": include_keys,
            "files": files,
        }

        partial = out.with_name(out.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode())
            tar.add(staged_db, arcname=DB_FILE)
            for path in media_files:
                tar.add(path, arcname=f"{MEDIA_DIR}/{path.relative_to(media_root).as_posix()}")
            if include_keys:
                for name, value in keys.items():
                    _add_bytes(tar, name, value.encode(), mode=0o600)
        if include_keys:
            partial.chmod(0o600)
        partial.replace(out)

    archive_sha = _sha256_file(out)
    with transaction.atomic():
        audit_services.record_event(
            actor=None,
            action="platform.backup",
            after={
                "file": out.name,
                "sha256": archive_sha,
                "database_sha256": manifest["database"]["sha256"],
                "includes_keys": include_keys,
                "media_files": manifest["media"]["files"],
            },
        )
    return BackupResult(path=out, manifest=manifest, sha256=archive_sha)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def holds_data(directory: Path) -> bool:
    """Whether ``directory`` already has a database or media files.

    Key files alone do not count: settings create them on first start, and without a database
    there is nothing they protect yet.
    """
    if not directory.exists():
        return False
    if any((directory / f"{DB_FILE}{suffix}").exists() for suffix in ("", "-wal", "-shm")):
        return True
    media = directory / MEDIA_DIR
    return media.is_dir() and any(p.is_file() for p in media.rglob("*"))


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of ``archive``; BackupError when it is not a minzheng backup."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            handle = tar.extractfile(MANIFEST)
            if handle is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.load(handle)
    except (OSError, tarfile.TarError, KeyError, json.JSONDecodeError) as exc:
        raise BackupError(f"{archive} 不是有效的平台备份（{exc}）。") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} 的备份格式 {manifest.get('format')} 不受支持。")
    return manifest


def _regexp(pattern: str, value: Any) -> bool:
    return value is not None and re.search(pattern, str(value)) is not None


def _verify_staged(staged: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there with its sha256, and nothing else is."""
    expected: dict[str, str] = manifest["files"]
    found = {
        p.relative_to(staged).as_posix()
        for p in staged.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    if missing := sorted(set(expected) - found):
        raise BackupError(f"备份不完整：缺少 {', '.join(missing)}。")
    if extra := sorted(found - set(expected)):
        raise BackupError(f"备份含清单未列出的文件：{', '.join(extra)}。")
    for name, digest in expected.items():
        if _sha256_file(staged / name) != digest:
            raise BackupError(f"备份已损坏：{name} 的 sha256 与清单不符。")
    with sqlite3.connect(staged / DB_FILE) as db:
        # CHECK constraints written by Django use REGEXP, which plain sqlite3 lacks.
        db.create_function("REGEXP", 2, _regexp, deterministic=True)
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        raise BackupError(f"备份中的数据库未通过完整性检查：{check}。")
    if _table_counts(staged / DB_FILE) != manifest["counts"]:
        raise BackupError("备份中的数据库行数与清单不符。")


def restore_backup(*, archive: Path, into: Path, force: bool = False) -> RestoreResult:
    """Restore ``archive`` into the data directory ``into`` after verifying it completely.

    ``into`` must hold no database or media unless ``force``; then what it held is moved aside
    into ``into/replaced-<time>/``, never deleted (key files alone, as settings create them on a
    first start, protect no data and are simply replaced). Keys in the archive replace the directory's;
    an archive without keys keeps the keys the directory has (they must be the original ones).
    Stop the platform before restoring into the directory it runs on.
    """
    into = into.resolve()
    manifest = read_manifest(archive)
    occupied = holds_data(into)
    if occupied and not force:
        raise BackupError(
            f"{into} 中已有数据库或媒体文件：请恢复到空目录，或加 --force（原有数据会移到 "
            "replaced-<时间>/ 目录，不会删除）。"
        )
    into.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=".restore-", dir=into))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(staged, filter="data")
        _verify_staged(staged, manifest)

        incoming = [DB_FILE, MEDIA_DIR, *(k for k in KEY_FILES if (staged / k).exists())]
        if (into / MEDIA_DIR).is_dir() and not any((into / MEDIA_DIR).iterdir()):
            (into / MEDIA_DIR).rmdir()
        # The old database's -wal/-shm files go too: SQLite would replay them onto the new one.
        replaced = [
            name
            for name in [f"{DB_FILE}-wal", f"{DB_FILE}-shm", *incoming]
            if (into / name).exists()
        ]
        moved_aside: Path | None = None
        if not occupied:
            # Only key files created on a first start: they protect no data yet.
            replaced = [name for name in replaced if name not in KEY_FILES]
        if replaced:
            moved_aside = into / f"replaced-{timezone.localtime():%Y%m%d-%H%M%S}"
            moved_aside.mkdir()
            for name in replaced:
                (into / name).rename(moved_aside / name)
        (staged / MEDIA_DIR).mkdir(exist_ok=True)
        for name in incoming:
            (staged / name).replace(into / name)
        for name in KEY_FILES:
            if (into / name).exists():
                (into / name).chmod(0o600)
        (staged / MANIFEST).rename(into / RESTORED_MANIFEST)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    kept = [] if manifest["includes_keys"] else [k for k in KEY_FILES if (into / k).exists()]
    return RestoreResult(into=into, manifest=manifest, moved_aside=moved_aside, kept_keys=kept)


def default_backup_path() -> Path:
    """``var/backups/minzheng-<time>.tar.gz``."""
    return (
        Path(settings.VAR_DIR) / "backups" / f"minzheng-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
    )
