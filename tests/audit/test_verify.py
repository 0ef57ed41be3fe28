"""``minzheng audit verify``: passes on a clean chain, names the first event that was tampered with."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from minzheng.audit import selectors, services
from minzheng.audit.models import AuditEvent, AuditVerification

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(actor: Any) -> list[AuditEvent]:
    """Five events on top of whatever the chain already holds."""
    return [
        services.record_event(actor=actor, action=f"test.step{i}", after={"i": i}) for i in range(5)
    ]


def _set_after_raw(event_id: int, value: dict[str, Any]) -> None:
    """Change a row directly in the database, behind the platform's back."""
    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE audit_auditevent SET after = {cast} WHERE id = %s",
            [json.dumps(value), event_id],
        )


def _delete_raw(event_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event_id])


def test_clean_chain_verifies_and_the_run_is_recorded(chain: list[AuditEvent]) -> None:
    out = StringIO()
    call_command("audit", "verify", "--no-progress", stdout=out)
    total = AuditEvent.objects.count()
    assert out.getvalue().strip() == f"OK: {total} events verified"
    run = AuditVerification.objects.order_by("-id").first()
    assert run is not None
    assert (run.ok, run.checked, run.broken_event_id) == (True, total, None)
    status = selectors.chain_status()
    assert (status.count, status.verified_ok) == (total, True)


def test_altered_row_is_named_as_the_first_broken_event(chain: list[AuditEvent]) -> None:
    tampered = chain[2]
    _set_after_raw(tampered.pk, {"i": 99})

    result = services.verify_chain()
    assert (result.ok, result.broken_event_id) == (False, tampered.pk)
    assert result.broken_action == "test.step2"
    assert "content hash mismatch" in result.problem
    assert result.checked == AuditEvent.objects.filter(id__lt=tampered.pk).count()

    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify", "--no-progress")
    message = str(caught.value)
    assert message.startswith(f"BROKEN at event id={tampered.pk} time=")
    assert "action=test.step2" in message
    status = selectors.chain_status()
    assert status.verified_ok is False
    assert status.last_verification is not None
    assert status.last_verification.broken_event_id == tampered.pk


def test_deleted_middle_row_breaks_the_chain_at_the_next_event(chain: list[AuditEvent]) -> None:
    _delete_raw(chain[1].pk)
    result = services.verify_chain()
    assert (result.ok, result.broken_event_id) == (False, chain[2].pk)
    assert "prev_hash" in result.problem
    assert f"expected {chain[1].sequence}" in result.problem


def test_deleted_last_row_is_caught_by_the_chain_head(chain: list[AuditEvent]) -> None:
    _delete_raw(chain[-1].pk)
    result = services.verify_chain()
    assert (result.ok, result.broken_event_id) == (False, chain[-2].pk)
    assert "events at the end are missing" in result.problem


def test_a_forged_row_with_a_recomputed_hash_still_breaks_the_next_link(
    chain: list[AuditEvent],
) -> None:
    """Rewriting one event and its own hash is not enough: the next event points at the old one."""
    forged = AuditEvent.objects.get(pk=chain[1].pk)
    forged.after = {"i": 42}
    new_hash = services.compute_hash(forged)
    _set_after_raw(forged.pk, {"i": 42})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET hash = %s WHERE id = %s", [new_hash, forged.pk])
    result = services.verify_chain()
    assert (result.ok, result.broken_event_id) == (False, chain[2].pk)
    assert "prev_hash" in result.problem
