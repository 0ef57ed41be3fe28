"""Loading the parameter seed into the database and the snapshot built from it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from minzheng.audit.models import AuditEvent
from minzheng.engine import parameters as engine_parameters
from minzheng.policy import selectors, services
from minzheng.policy.models import Parameter, ParameterValue

pytestmark = pytest.mark.django_db


def test_load_is_idempotent_and_audited() -> None:
    seed = engine_parameters.load_seed()
    first = services.load_parameters()
    assert first.parameters_created == len(seed)
    assert first.values_created == sum(len(d.values) for d in seed)
    assert AuditEvent.objects.filter(action="parameter.load").count() == 1
    second = services.load_parameters()
    assert (second.parameters_created, second.values_created, second.values_updated) == (0, 0, 0)
    assert AuditEvent.objects.filter(action="parameter.load").count() == 1
    assert Parameter.objects.count() == len(seed)


def test_database_snapshot_equals_seed_snapshot() -> None:
    call_command("load_parameters")
    for day in (dt.date(2023, 8, 31), dt.date(2023, 9, 1), dt.date(2025, 8, 1)):
        db = selectors.parameter_snapshot(as_of=day)
        seed = engine_parameters.seed_snapshot(day)
        assert {n: r.value for n, r in db.city.items()} == {
            n: r.value for n, r in seed.city.items()
        }


def test_database_is_the_truth_at_run_time() -> None:
    services.load_parameters()
    row = ParameterValue.objects.get(
        parameter__name="dibao.gradual_exit.months", effective_from=dt.date(2018, 1, 1)
    )
    assert (
        selectors.parameter_snapshot(as_of=dt.date(2025, 1, 1)).known("dibao.gradual_exit.months")
        is False
    )
    row.value = 6
    row.save()
    assert (
        selectors.parameter_snapshot(as_of=dt.date(2025, 1, 1)).value("dibao.gradual_exit.months")
        == 6
    )
    urban = selectors.parameter_snapshot(as_of=dt.date(2023, 9, 1)).get("dibao.standard.urban")
    assert urban.value == Decimal("735")
    assert urban.verified is True
    assert urban.record is not None and "长寿区" in urban.record.source


def test_definitions_are_read_again_only_after_a_change(django_assert_num_queries) -> None:
    services.load_parameters()
    first = selectors.parameter_definitions()
    with django_assert_num_queries(1):  # the revision token only
        assert selectors.parameter_definitions() == first
    row = ParameterValue.objects.get(
        parameter__name="dibao.gradual_exit.months", effective_from=dt.date(2018, 1, 1)
    )
    row.value = 4
    row.save()
    changed = {d.name: d for d in selectors.parameter_definitions()}
    assert changed["dibao.gradual_exit.months"].values[0].value == 4
    row.delete()
    after_delete = {d.name: d for d in selectors.parameter_definitions()}
    assert all(
        v.effective_from != dt.date(2018, 1, 1)
        for v in after_delete["dibao.gradual_exit.months"].values
    )
