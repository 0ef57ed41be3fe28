"""The chain: what an event records, how it links and hashes, and that it cannot be rewritten."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from minzheng.audit import services
from minzheng.audit.models import (
    GENESIS_HASH,
    AppendOnlyError,
    AuditChainHead,
    AuditEvent,
)

pytestmark = pytest.mark.django_db


def expected_hash(event: AuditEvent) -> str:
    """The documented scheme, written out independently of the service."""
    payload = {
        "sequence": event.sequence,
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "division_code": event.division_code,
        "division_path": event.division_path,
        "org_unit_code": event.org_unit_code,
        "subject_key": event.subject_key,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_each_event_links_to_the_one_before_and_hashes_its_content(actor: Any) -> None:
    first = services.record_event(actor=actor, action="test.first", after={"n": 1})
    second = services.record_event(actor=actor, action="test.second", before={"n": 1})
    third = services.record_event(actor=None, action="test.third", reason="因为")

    stored = list(AuditEvent.objects.filter(pk__in=[first.pk, second.pk, third.pk]))
    assert [e.sequence - first.sequence for e in stored] == [0, 1, 2]
    assert stored[1].prev_hash == stored[0].hash
    assert stored[2].prev_hash == stored[1].hash
    assert [expected_hash(e) for e in stored] == [e.hash for e in stored]
    assert all(len(e.hash) == 64 for e in stored)

    genesis = AuditEvent.objects.order_by("id").first()
    assert genesis is not None
    assert (genesis.sequence, genesis.prev_hash) == (1, GENESIS_HASH)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_sequence, head.last_hash) == (third.sequence, third.hash)


def test_actor_object_and_division_are_filled_in(actor: Any, divisions: Any) -> None:
    township = divisions.get("500103003")
    event = services.record_event(
        actor=actor, action="division.change", obj=township, subject_key="k" * 64
    )
    event.refresh_from_db()
    assert event.actor_id == actor.pk
    assert event.actor_username == "actor1"
    assert event.actor_name == "测试用户"
    assert event.org_unit_code == actor.org_unit.code == "scope-test-500103003"
    assert (event.object_type, event.object_id) == ("divisions.division", str(township.pk))
    assert event.object_repr == str(township)
    assert (event.division_code, event.division_path) == ("500103003", township.path)
    assert event.subject_key == "k" * 64

    # An object that has a division: the org unit sits in 解放碑街道.
    on_unit = services.record_event(actor=actor, action="orgunit.update", obj=actor.org_unit)
    assert (on_unit.object_type, on_unit.division_code) == ("accounts.orgunit", "500103003")
    assert on_unit.division_path == "500000/500103/500103003/"

    # A user belongs where their org unit is.
    on_user = services.record_event(actor=None, action="user.update", obj=actor)
    assert (on_user.object_type, on_user.division_code) == ("accounts.user", "500103003")

    # An explicit code wins; no division at all means the city root.
    explicit = services.record_event(actor=actor, action="x.y", division_code="500101")
    assert explicit.division_path == "500000/500101/"
    nowhere = services.record_event(actor=None, action="system.start")
    assert (nowhere.division_code, nowhere.division_path) == ("", "500000/")
    assert (nowhere.actor_id, nowhere.actor_username, nowhere.org_unit_code) == (None, "", "")


def test_before_and_after_are_stored_as_plain_json(actor: Any) -> None:
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    event = services.record_event(
        actor=actor,
        action="test.values",
        before={"amount": Decimal("812.50"), "on": dt.date(2025, 11, 1)},
        after={"at": dt.datetime(2025, 11, 2, 9, 30, tzinfo=dt.UTC), "key": key, "n": 3},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.before == {"amount": "812.50", "on": "2025-11-01"}
    assert stored.after == {"at": "2025-11-02T09:30:00+00:00", "key": str(key), "n": 3}
    assert stored.hash == expected_hash(stored)


def test_snapshot_records_named_fields_with_foreign_keys_as_ids(divisions: Any) -> None:
    township = divisions.get("500103003")
    data = services.snapshot(township, ["code", "name", "parent", "level", "valid_to"])
    assert data == {
        "code": "500103003",
        "name": "解放碑街道",
        "parent": township.parent_id,
        "level": "township",
        "valid_to": None,
    }


def test_rolled_back_change_leaves_no_event(actor: Any) -> None:
    kept = services.record_event(actor=actor, action="test.kept")
    count = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.record_event(actor=actor, action="test.lost")
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == count
    assert not AuditEvent.objects.filter(action="test.lost").exists()
    assert AuditChainHead.objects.get(pk=1).last_hash == kept.hash
    after = services.record_event(actor=actor, action="test.after")
    assert (after.sequence, after.prev_hash) == (kept.sequence + 1, kept.hash)


def test_events_cannot_be_changed_or_removed_through_python(actor: Any) -> None:
    event = services.record_event(actor=actor, action="test.fixed", reason="原因")
    event.reason = "改过"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="改过")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["reason"])
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(action="forged", sequence=10**9)])
    assert AuditEvent.objects.get(pk=event.pk).reason == "原因"
    assert not AuditEvent.objects.filter(action="forged").exists()


def test_pii_access_event_carries_the_purpose(actor: Any, divisions: Any) -> None:
    person = divisions.get("500103003")  # any object; the registry passes a person
    event = services.record_pii_access(
        actor=actor, obj=person, purpose="入户核查需要核对身份证号", subject_key="s" * 64
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.reason) == ("pii.view", "入户核查需要核对身份证号")
    assert (stored.subject_key, stored.division_code) == ("s" * 64, "500103003")


@pytest.mark.parametrize("purpose", ["", "   "])
def test_pii_access_without_purpose_is_refused(actor: Any, purpose: str) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.record_pii_access(actor=actor, obj=actor.org_unit, purpose=purpose)
    assert "purpose" in caught.value.message_dict
    assert AuditEvent.objects.count() == count


WRITERS = """
import os, sys, threading
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
from minzheng.audit import services
call_command("migrate", "audit", verbosity=0)
writers, count = int(sys.argv[1]), int(sys.argv[2])
start = threading.Barrier(writers)
failures = []
def write(n):
    try:
        start.wait()
        for i in range(count):
            with transaction.atomic():
                services.record_event(actor=None, action="test.concurrent", after={"w": n, "i": i})
    except Exception as exc:
        failures.append(repr(exc))
    finally:
        connection.close()
threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
[t.start() for t in threads]
[t.join() for t in threads]
print(failures)
"""


def test_concurrent_appends_keep_one_valid_chain_on_a_sqlite_file(tmp_path: Path) -> None:
    """Threads, each with its own connection, append to one SQLite file at once; the chain stays
    whole, and ``minzheng audit verify`` (a real process) passes, then fails on an altered row.

    (The in-memory test database cannot take concurrent writers, so this test uses a database
    file of its own; the PostgreSQL variant below uses the test database.)
    """
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(MINZHENG_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="minzheng.settings")
    writers, per_writer = 4, 15
    wrote = subprocess.run(
        [sys.executable, "-c", WRITERS, str(writers), str(per_writer)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (wrote.returncode, wrote.stdout.strip()) == (0, "[]"), wrote.stderr

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "minzheng.cli", "audit", "verify", "--no-progress"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ok = verify()
    assert (ok.returncode, ok.stdout.strip()) == (0, f"OK: {writers * per_writer} events verified")

    with sqlite3.connect(tmp_path / "minzheng.sqlite3") as db:
        db.execute("UPDATE audit_auditevent SET after = '{\"w\": 99}' WHERE sequence = 7")
        (tampered_id,) = db.execute("SELECT id FROM audit_auditevent WHERE sequence = 7").fetchone()
    broken = verify()
    assert broken.returncode == 1
    assert f"BROKEN at event id={tampered_id} " in broken.stderr


@pytest.mark.django_db(transaction=True)
def test_concurrent_threads_keep_one_valid_chain(divisions: Any) -> None:
    """Several threads, each with its own connection, append at once (PostgreSQL)."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database: see the SQLite-file test above")
    writers, per_writer = 4, 15
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    services.record_event(
                        actor=None, action="test.concurrent", after={"w": n, "i": i}
                    )
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEvent.objects.filter(action="test.concurrent").count() == writers * per_writer
    result = services.verify_chain()
    assert (result.ok, result.problem) == (True, "")
    assert result.checked == AuditEvent.objects.count()
