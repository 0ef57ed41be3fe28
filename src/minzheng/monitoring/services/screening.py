"""Screening runs: registry snapshot → engine → findings → alerts, recorded and compared.

``screening_run`` does one run synchronously (the nightly task, the demo, tests);
``screening_run_request`` queues one for the worker (the runs page's button). A run reads the
registry through its snapshot export, evaluates every programme with the parameters in force on
its date (from the policy app), turns what it finds into alerts (one active alert per household
and kind: created, updated, or closed when its condition is gone) and compares its eligible
subjects with the previous run's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from minzheng.accounts.models import OrgUnit
from minzheng.audit.services import record_event
from minzheng.divisions import selectors as division_selectors
from minzheng.engine import evaluate
from minzheng.engine.parameters import ParameterSnapshot
from minzheng.monitoring import findings as finding_rules
from minzheng.monitoring.conf import MonitoringSettings, monitoring_settings
from minzheng.monitoring.models import Alert, ScreeningRun
from minzheng.monitoring.services.alerts import deadline_for, station_for
from minzheng.policy import selectors as policy_selectors
from minzheng.registry import snapshot as registry_snapshot

logger = logging.getLogger(__name__)

Status = ScreeningRun.Status
CLOSABLE_KINDS = (Alert.Kind.DISCOVERY, Alert.Kind.EXIT_REVIEW)
_CHUNK = 1000
_PERSON_MARK = re.compile(r"〔(\d+)〕")


class ScreeningError(RuntimeError):
    """A run cannot start (no parameters) or failed; the run records the message."""


def files_dir() -> Path:
    """Where runs keep their eligible lists for the next comparison."""
    path = Path(settings.VAR_DIR) / "monitoring"
    path.mkdir(parents=True, exist_ok=True)
    return path


def eligible_file(run: ScreeningRun) -> Path:
    return files_dir() / f"eligible-{run.pk}.parquet"


def parameters_record(snap: ParameterSnapshot) -> tuple[str, dict[str, Any]]:
    """The digest of every parameter in force (with its source) and the values, as JSON."""
    full = {
        "city": {name: snap.city[name].as_dict() for name in sorted(snap.city)},
        "by_division": {
            division: {name: p.as_dict() for name, p in sorted(params.items())}
            for division, params in sorted(snap.by_division.items())
        },
    }
    digest = hashlib.sha256(
        json.dumps(full, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()
    values = {
        "city": {name: entry["value"] for name, entry in full["city"].items()},
        "by_division": {
            division: {name: entry["value"] for name, entry in params.items()}
            for division, params in full["by_division"].items()
        },
    }
    return digest, values


# --- requesting a run -------------------------------------------------------------------------


def run_in_progress() -> ScreeningRun | None:
    """A run waiting or running now, if any."""
    return ScreeningRun.objects.filter(status__in=[Status.PENDING, Status.RUNNING]).first()


def screening_run_request(
    *, by: Any, as_of: dt.date | None = None, trigger: str = ScreeningRun.Trigger.MANUAL
) -> ScreeningRun:
    """Queue a run for the worker (or return the one already waiting or running)."""
    day = as_of or timezone.localdate()
    with transaction.atomic():
        waiting = run_in_progress()
        if waiting is not None:
            return waiting
        run = ScreeningRun(as_of=day, trigger=trigger, requested_by=by)
        run.full_clean()
        run.save()
        record_event(
            actor=by,
            action="monitoring.run.request",
            obj=run,
            after={"as_of": day, "trigger": trigger},
        )
        transaction.on_commit(lambda: screening_run_task.enqueue(run_id=run.pk))
    return run


@task()
def screening_run_task(run_id: int) -> dict[str, Any]:
    """Background task: carry out a queued run."""
    run = ScreeningRun.objects.get(pk=run_id)
    if run.status != Status.PENDING:
        return {"run": run_id, "status": run.status, "skipped": True}
    run = screening_run(as_of=run.as_of, trigger=run.trigger, by=run.requested_by, run=run)
    return {"run": run_id, "status": run.status}


# --- doing a run ----------------------------------------------------------------------------


@dataclass
class _Sync:
    created: Counter[str]
    updated: Counter[str]
    closed: Counter[str]
    suppressed: int = 0


def screening_run(
    *,
    as_of: dt.date,
    trigger: str,
    by: Any = None,
    run: ScreeningRun | None = None,
) -> ScreeningRun:
    """Screen the registry as of ``as_of`` and bring the alerts up to date; return the run.

    A failure is recorded on the run (status ``failed`` with the error) and raised again as
    ``ScreeningError``. ``run`` is a queued run to carry out; without it a new one is recorded.
    """
    conf = monitoring_settings()
    if run is None:
        run = ScreeningRun(as_of=as_of, trigger=trigger, requested_by=by)
        run.full_clean()
        run.save()
    started = time.perf_counter()
    ScreeningRun.objects.filter(pk=run.pk).update(status=Status.RUNNING, started_at=timezone.now())
    run.refresh_from_db()
    timings: dict[str, float] = {}
    try:
        definitions = policy_selectors.parameter_definitions()
        if not definitions:
            raise ScreeningError("参数库为空：请先运行 minzheng load_parameters 载入政策参数。")
        snap = policy_selectors.parameter_snapshot(as_of=as_of)
        digest, values = parameters_record(snap)
        with tempfile.TemporaryDirectory(dir=settings.VAR_DIR, prefix="screening-") as tmp:
            directory = Path(tmp)
            t = time.perf_counter()
            snapshot = registry_snapshot.snapshot_export(
                directory=directory / "population", as_of=as_of
            )
            timings["snapshot"] = time.perf_counter() - t

            t = time.perf_counter()
            determinations = directory / "determinations.parquet"
            evaluate(snapshot.source, snap).to_parquet(determinations)
            timings["evaluate"] = time.perf_counter() - t

            t = time.perf_counter()
            result = finding_rules.find(
                snapshot_dir=snapshot.directory,
                determinations=determinations,
                as_of=as_of,
                parameters=snap,
                conf=conf,
            )
            finding_rules.write_eligible(determinations=determinations, out=eligible_file(run))
            previous = (
                ScreeningRun.objects.filter(status=Status.SUCCEEDED, pk__lt=run.pk)
                .order_by("-pk")
                .first()
            )
            comparison: dict[str, Any] = {}
            if previous is not None and eligible_file(previous).exists():
                comparison = finding_rules.compare(
                    previous=eligible_file(previous), current=eligible_file(run)
                )
            timings["findings"] = time.perf_counter() - t

        t = time.perf_counter()
        with transaction.atomic():
            sync = _sync_alerts(run=run, found=result.findings, conf=conf)
            run.status = Status.SUCCEEDED
            run.finished_at = timezone.now()
            timings["alerts"] = time.perf_counter() - t
            run.timings = {k: round(v, 2) for k, v in timings.items()}
            run.duration_seconds = round(time.perf_counter() - started, 2)
            run.parameters_digest = digest
            run.parameters = values
            run.platform_settings = conf.as_json()
            run.population = {**snapshot.rows, "households_screened": result.households}
            run.counts = result.counts
            run.alerts_created = dict(sync.created)
            run.alerts_updated = dict(sync.updated)
            run.alerts_closed = dict(sync.closed)
            run.previous = previous
            run.comparison = {**comparison, "suppressed": sync.suppressed}
            run.error = ""
            run.full_clean()
            run.save()
            record_event(
                actor=by,
                action="monitoring.run.finish",
                obj=run,
                after={
                    "as_of": as_of,
                    "trigger": trigger,
                    "parameters_digest": digest,
                    "created": run.alerts_created,
                    "updated": run.alerts_updated,
                    "closed": run.alerts_closed,
                    "duration_seconds": run.duration_seconds,
                },
            )
        _prune_files(conf)
    except Exception as exc:
        logger.exception("screening run %s failed", run.pk)
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=Status.FAILED,
            finished_at=timezone.now(),
            duration_seconds=round(time.perf_counter() - started, 2),
            timings={k: round(v, 2) for k, v in timings.items()},
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        run.refresh_from_db()
        if isinstance(exc, ScreeningError):
            raise
        raise ScreeningError(str(exc)) from exc
    return run


def _prune_files(conf: MonitoringSettings) -> None:
    """Keep the eligible lists of the last few runs only."""
    files = sorted(
        files_dir().glob("eligible-*.parquet"),
        key=lambda p: int(p.stem.split("-")[1]),
        reverse=True,
    )
    for old in files[conf.keep_eligibility_files :]:
        old.unlink(missing_ok=True)


def _with_names(reasons: list[dict[str, str]], names: dict[int, str]) -> list[dict[str, str]]:
    def name(match: re.Match[str]) -> str:
        return names.get(int(match.group(1)), "（已不在库）")

    return [{**r, "text": _PERSON_MARK.sub(name, r["text"])} for r in reasons]


def _sync_alerts(
    *, run: ScreeningRun, found: list[finding_rules.Finding], conf: MonitoringSettings
) -> _Sync:
    """Create, update and close alerts so that they match the run's findings."""
    now = timezone.now()
    today = timezone.localdate()
    sync = _Sync(created=Counter(), updated=Counter(), closed=Counter())
    kinds = sorted({f.kind for f in found} | set(CLOSABLE_KINDS))
    active = {
        (a.household_id, a.kind): a
        for a in Alert.objects.filter(
            status__in=Alert.ACTIVE, kind__in=kinds, household__isnull=False
        )
    }
    quiet_since = now - dt.timedelta(days=conf.dismissal_quiet_days)
    dismissed: dict[tuple[int | None, str], set[str]] = {}
    for a in Alert.objects.filter(
        status=Alert.Status.DISMISSED, resolved_at__gte=quiet_since, household__isnull=False
    ).order_by("resolved_at"):
        dismissed[(a.household_id, a.kind)] = {r.get("code", "") for r in a.reasons}

    person_ids = {int(m) for f in found for r in f.reasons for m in _PERSON_MARK.findall(r["text"])}
    names = registry_snapshot.person_names(person_ids)
    places = registry_snapshot.household_places([f.household_id for f in found])
    divisions = {
        code: (pk, path)
        for code, pk, path in division_selectors.subtree(
            division_selectors.city(), include_retired=True
        ).values_list("code", "id", "path")
    }
    stations: dict[str, OrgUnit | None] = {}

    to_create: list[Alert] = []
    to_update: list[Alert] = []
    seen_again: list[int] = []  # unchanged: only their last run moves on
    seen: set[tuple[int, str]] = set()
    for f in found:
        key = (f.household_id, f.kind)
        seen.add(key)
        reasons = _with_names(f.reasons, names)
        alert = active.get(key)
        if alert is not None:
            if alert.status != Alert.Status.CONVERTED:
                kept = [r for r in alert.reasons if r.get("code") == "report"]
                fresh = {
                    "reasons": reasons + kept,
                    "score": max(f.score, conf.report_score if kept else 0),
                    "programmes": f.programmes,
                    "facts": f.facts,
                }
                sync.updated[f.kind] += 1
                if any(getattr(alert, name) != value for name, value in fresh.items()):
                    for name, value in fresh.items():
                        setattr(alert, name, value)
                    alert.updated_at = now
                    alert.last_seen_run = run
                    to_update.append(alert)
                    continue
            seen_again.append(alert.pk)
            continue
        earlier = dismissed.get(key)
        if earlier is not None and set(f.reason_codes) <= earlier:
            sync.suppressed += 1
            continue
        code = places.get(f.household_id)
        if code is None or code not in divisions:
            continue  # the household closed while the run ran
        division_id, path = divisions[code]
        station = station_for(code, stations)
        to_create.append(
            Alert(
                kind=f.kind,
                status=Alert.Status.OPEN,
                source=Alert.Source.SCREENING,
                household_id=f.household_id,
                division_id=division_id,
                scope_path=path,
                station=station,
                programmes=f.programmes,
                score=f.score,
                reasons=reasons,
                facts=f.facts,
                raised_on=today,
                deadline=deadline_for(f.kind, today, conf),
                first_seen_run=run,
                last_seen_run=run,
                created_at=now,
                updated_at=now,
            )
        )
        sync.created[f.kind] += 1
    Alert.objects.bulk_create(to_create, batch_size=_CHUNK)
    Alert.objects.bulk_update(
        to_update,
        ["last_seen_run", "reasons", "score", "programmes", "facts", "updated_at"],
        batch_size=_CHUNK,
    )
    for start in range(0, len(seen_again), _CHUNK):
        Alert.objects.filter(pk__in=seen_again[start : start + _CHUNK]).update(last_seen_run=run)
    gone = [
        a
        for key, a in active.items()
        if key not in seen
        and a.kind in CLOSABLE_KINDS
        and a.status == Alert.Status.OPEN
        and a.source == Alert.Source.SCREENING
    ]
    reason = f"第 {run.pk} 次监测评估（{run.as_of}）未再发现：预警条件已不再成立"
    for start in range(0, len(gone), _CHUNK):
        chunk = [a.pk for a in gone[start : start + _CHUNK]]
        Alert.objects.filter(pk__in=chunk, status=Alert.Status.OPEN).update(
            status=Alert.Status.CLOSED,
            resolution_reason=reason,
            resolved_at=now,
            updated_at=now,
        )
    for a in gone:
        sync.closed[a.kind] += 1
    return sync
