"""``minzheng backup`` / ``minzheng restore``: a backup restored into an empty directory serves
the same data; damaged archives and occupied directories are refused."""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import sqlite3
import tarfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from minzheng.demo.accounts import DEMO_PASSWORD
from tests.ops.processes import minzheng, served

DB = "minzheng.sqlite3"


@dataclass(frozen=True)
class Backup:
    source: Path
    archive: Path
    output: str


def _count(var_dir: Path, sql: str) -> int:
    with sqlite3.connect(var_dir / DB) as db:
        return int(db.execute(sql).fetchone()[0])


@pytest.fixture(scope="session")
def backup(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Backup:
    """A data directory with the demo loaded and one evidence file, and its backup.

    Made once per test run and shared by the xdist workers (the first one builds it under a
    lock in the run's common temporary directory); tests only read it.
    """
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base sits in the run's directory, which they share.
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "ops-backup"
    root.mkdir(exist_ok=True)
    source, archive, output = root / "source", root / "out" / "minzheng.tar.gz", root / "output"
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not output.exists():
            shutil.rmtree(source, ignore_errors=True)
            shutil.copytree(migrated_template, source)
            minzheng(source, "demo", MINZHENG_DEMO_PERSONS="300")  # a small population will do
            (source / "media" / "evidence").mkdir(parents=True)
            (source / "media" / "evidence" / "visit.txt").write_text("入户调查记录（测试）")
            result = minzheng(source, "backup", "--out", str(archive))
            output.write_text(result.stdout)
    return Backup(source=source, archive=archive, output=output.read_text())


def _log_in(base_url: str, username: str, password: str) -> str:
    """Sign in through the login form; returns the page the browser lands on."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    login_url = f"{base_url}/accounts/login/"
    page = opener.open(login_url, timeout=30).read().decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    form = {"csrfmiddlewaretoken": token, "username": username, "password": password}
    request = urllib.request.Request(
        login_url, data=urllib.parse.urlencode(form).encode(), headers={"Referer": login_url}
    )
    with opener.open(request, timeout=30) as response:
        assert response.url == f"{base_url}/", response.url
        return response.read().decode()


def test_backup_writes_a_verified_manifest_and_an_audit_event(backup: Backup) -> None:
    with tarfile.open(backup.archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    # The demo's worked cases leave their uploads in media/ too; every file there is archived.
    media_files = {
        f"media/{p.relative_to(backup.source / 'media').as_posix()}"
        for p in (backup.source / "media").rglob("*")
        if p.is_file()
    }
    assert "media/evidence/visit.txt" in media_files
    assert names == {
        "manifest.json",
        DB,
        "secret_key",
        "encryption.key",
        *media_files,
    }
    assert manifest["version"] == "0.1.0"
    assert manifest["includes_keys"] is True
    assert manifest["media"]["files"] == len(media_files)
    assert manifest["counts"]["accounts_user"] == 10
    assert manifest["counts"]["divisions_division"] == _count(
        backup.source, "SELECT COUNT(*) FROM divisions_division"
    )
    assert len(manifest["database"]["sha256"]) == 64
    assert backup.archive.stat().st_mode & 0o777 == 0o600
    assert "包含密钥" in backup.output
    events = _count(
        backup.source, "SELECT COUNT(*) FROM audit_auditevent WHERE action = 'platform.backup'"
    )
    assert events == 1


def test_restore_into_an_empty_directory_serves_the_same_data(
    backup: Backup, tmp_path: Path
) -> None:
    restored = tmp_path / "restored"
    result = minzheng(restored, "restore", str(backup.archive), "--into", str(restored))
    assert "sha256 校验通过" in result.stdout

    for table in ("accounts_user", "accounts_orgunit", "divisions_division", "otp_totp_totpdevice"):
        sql = f"SELECT COUNT(*) FROM {table}"
        assert _count(restored, sql) == _count(backup.source, sql), table
    assert (restored / "media/evidence/visit.txt").read_text() == "入户调查记录（测试）"
    assert (restored / "encryption.key").read_text() == (
        backup.source / "encryption.key"
    ).read_text()

    # The restored platform runs and the demo village helper signs in with the same password.
    (restored / "static").mkdir()  # serve would collect them; not under test here
    with served(restored, log=tmp_path / "serve.log", workers=1) as base_url:
        home = _log_in(base_url, "demo_village", DEMO_PASSWORD)
    assert "向春梅（演示）" in home


def test_restore_refuses_a_directory_with_data_unless_forced_and_then_keeps_the_old_data(
    backup: Backup, tmp_path: Path
) -> None:
    target = tmp_path / "target"
    minzheng(target, "restore", str(backup.archive), "--into", str(target))
    refused = minzheng(target, "restore", str(backup.archive), "--into", str(target), check=False)
    assert refused.returncode == 1
    assert "--force" in refused.stderr

    minzheng(target, "restore", str(backup.archive), "--into", str(target), "--force")
    aside = [p for p in target.iterdir() if p.name.startswith("replaced-")]
    assert len(aside) == 1
    moved = sorted(p.name for p in aside[0].iterdir())
    assert moved == sorted([DB, "encryption.key", "media", "secret_key"])
    assert _count(target, "SELECT COUNT(*) FROM accounts_user") == 10


def test_a_damaged_archive_is_refused_and_nothing_is_restored(
    backup: Backup, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(backup.archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "media/evidence/visit.txt":
                data = "篡改过的记录".encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    into = tmp_path / "into"
    result = minzheng(into, "restore", str(damaged), "--into", str(into), check=False)
    assert result.returncode == 1
    assert "media/evidence/visit.txt 的 sha256 与清单不符" in result.stderr
    assert not (into / DB).exists()


def test_backup_without_keys_leaves_them_out(backup: Backup, tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(backup.source, source)  # the shared source stays as it was backed up
    archive = tmp_path / "nokeys.tar.gz"
    result = minzheng(source, "backup", "--out", str(archive), "--without-keys")
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert "secret_key" not in names
    assert "encryption.key" not in names
    assert "不含密钥" in result.stdout


def test_backup_on_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    # Nothing needs to answer at this address: the command stops before connecting.
    result = minzheng(
        tmp_path, "backup", check=False, DATABASE_URL="postgres://nobody@127.0.0.1:9/none"
    )
    assert result.returncode == 1
    assert "pg_dump" in result.stderr
