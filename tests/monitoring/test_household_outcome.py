"""The engine's outcome for one registry household: the household page's panel, the
explanation, ``minzheng explain`` and the API — each equal to the engine's own determination."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minzheng.engine import evaluate
from minzheng.monitoring import outcomes
from minzheng.policy import selectors as policy_selectors
from minzheng.registry import pii
from minzheng.registry import snapshot as registry_snapshot
from minzheng.registry.models import Household
from tests.monitoring import situations
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db

VIEWER = ("household.view",)
# 低保 of the planted poor household: urban standard 770 − income 1,200 a year (100 a month).
POOR_DIBAO = Decimal("670.00")


def _engine_rows(household: Household, day: dt.date) -> dict[tuple[str, int | None], Any]:
    """The engine's determinations of ``household`` on ``day``, by (programme, person)."""
    source = registry_snapshot.household_source(household=household, as_of=day)
    table = evaluate(source, policy_selectors.parameter_snapshot(as_of=day), day).to_pyarrow()
    return {(r["programme"], r["person_id"]): r for r in table.to_pylist()}


def _full_id(household: Household) -> str:
    assert household.head is not None
    number = pii.decrypt(household.head.id_number_encrypted)
    assert len(number) == 18
    return number


def _lonely_elder() -> Household:
    """A 78-year-old alone, no income, no supporter: 特困 for the person, decided per member."""
    head = rf.person(None, name="独居老人", birth=dt.date(1948, 2, 3))
    return rf.household(None, head=head)


def test_panel_shows_every_programme_as_the_engine_decides(
    client: Client, signed_in: Any, parameters: None
) -> None:
    signed_in(VIEWER, division=rf.TOWNSHIP)
    household = situations.poor_household("引擎户主")
    today = timezone.localdate()
    response = client.get(
        reverse("monitoring:household_outcome", kwargs={"number": household.number})
    )
    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert [p.programme for p in outcome.programmes] == list(outcomes.PROGRAMMES)
    dibao = outcome.outcome("dibao")
    engine = _engine_rows(household, today)[("dibao", None)]
    assert (dibao.status, dibao.monthly_amount) == ("eligible", POOR_DIBAO)
    assert (engine["status"], engine["monthly_amount"]) == ("eligible", POOR_DIBAO)
    assert set(dibao.unverified_parameters) == set(engine["unverified_parameters"])
    html = response.content.decode()
    assert 'data-programme="dibao" data-status="eligible"' in html
    assert "670.00" in html and "符合" in html and "含未核实参数" in html
    near = outcome.outcome("near_dibao")
    assert near.status == "ineligible"
    assert near.reasons == ("不满足：不是低保家庭（未享受且不符合低保）",)
    assert "不满足：不是低保家庭" in html
    # A person programme with nobody of its target group in the household.
    assert outcome.outcome("tekun").status == "none"
    assert 'data-programme="tekun" data-status="none"' in html


def test_person_programmes_are_shown_per_member(
    client: Client, signed_in: Any, parameters: None
) -> None:
    signed_in(VIEWER, division=rf.TOWNSHIP)
    household = _lonely_elder()
    response = client.get(
        reverse("monitoring:household_outcome", kwargs={"number": household.number})
    )
    tekun = response.context["outcome"].outcome("tekun")
    engine = _engine_rows(household, timezone.localdate())[("tekun", household.head_id)]
    (subject,) = tekun.subjects
    assert (subject.person_id, subject.person_name) == (household.head_id, "独居老人")
    assert subject.status == engine["status"] == "eligible"
    expected = None if engine["monthly_amount"] is None else Decimal(engine["monthly_amount"])
    assert subject.monthly_amount == expected
    html = response.content.decode()
    assert (
        f'data-programme="tekun" data-person="{household.head_id}" data-status="eligible"' in html
    )
    assert "独居老人" in html


def test_another_date_is_evaluated_on_request(
    client: Client, signed_in: Any, parameters: None
) -> None:
    signed_in(VIEWER, division=rf.TOWNSHIP)
    household = situations.poor_household()
    url = reverse("monitoring:household_outcome", kwargs={"number": household.number})
    day = timezone.localdate() + dt.timedelta(days=3)
    chosen = client.get(url, {"as_of": day.isoformat()})
    assert chosen.context["outcome"].as_of == day
    assert chosen.context["outcome"].outcome("dibao").status == "eligible"
    # Before the household was registered (today) it has no counted member: not 低保.
    early = client.get(url, {"as_of": (timezone.localdate() - dt.timedelta(days=3)).isoformat()})
    dibao = early.context["outcome"].outcome("dibao")
    assert (dibao.status, dibao.monthly_amount) == ("ineligible", None)
    assert "不满足：家庭有计入的共同生活成员" in dibao.reasons
    wrong = client.get(url, {"as_of": "31.02.2025"})
    assert wrong.context["outcome"].as_of == timezone.localdate()
    assert "日期格式不正确" in wrong.content.decode()


def test_household_page_loads_the_panel(client: Client, signed_in: Any) -> None:
    signed_in(VIEWER, division=rf.TOWNSHIP)
    household = rf.household()
    page = client.get(reverse("registry:household_detail", kwargs={"number": household.number}))
    url = reverse("monitoring:household_outcome", kwargs={"number": household.number})
    assert f'hx-get="{url}"' in page.content.decode()
    assert [p.key for p in page.context["panels"]] == ["outcome"]


def test_explanation_shows_conditions_parameters_and_sources(
    client: Client, signed_in: Any, parameters: None
) -> None:
    signed_in(VIEWER, division=rf.TOWNSHIP)
    household = situations.poor_household("说明户主")
    url = reverse(
        "monitoring:household_explanation",
        kwargs={"number": household.number, "programme": "dibao"},
    )
    panel = client.get(url, headers={"HX-Request": "true"})
    html = panel.content.decode()
    assert panel.templates[0].name == "monitoring/_household_explanation.html"
    (subject,) = panel.context["subjects"]
    assert subject["status"] == "eligible" and subject["monthly_amount"] == "670.00"
    met = {c["code"]: c["met"] for c in subject["conditions"]}
    assert met["income_below_standard"] is True
    assert "家庭月人均收入低于低保标准" in html and "✔" in html
    assert "100.00 元" in html and "770.00 元" in html
    standard = next(p for p in panel.context["parameters"] if p["name"] == "dibao.standard.urban")
    assert (standard["value"], standard["effective_from"]) == ("770", "2025-07-29")
    assert "市政府关于社会救助工作情况向市人大常委会的报告 2025-07-29" in html
    assert "business" in html and "来源" in html
    # No full ID number anywhere (the snapshot leaves it out); the name comes from the registry.
    assert _full_id(household) not in html
    assert "说明户主" in html
    page = client.get(url)
    assert page.templates[0].name == "monitoring/household_explanation.html"
    assert _full_id(household) not in page.content.decode()


def test_unknown_programme_is_not_found(client: Client, signed_in: Any) -> None:
    signed_in(VIEWER, division=rf.TOWNSHIP)
    household = rf.household()
    url = reverse(
        "monitoring:household_explanation",
        kwargs={"number": household.number, "programme": "nonsense"},
    )
    assert client.get(url).status_code == 404


def test_without_parameters_in_the_database_the_seed_is_read_and_said(
    client: Client, signed_in: Any
) -> None:
    signed_in(VIEWER, division=rf.TOWNSHIP)
    household = situations.poor_household()
    response = client.get(
        reverse("monitoring:household_outcome", kwargs={"number": household.number})
    )
    assert response.context["outcome"].from_seed is True
    assert response.context["outcome"].outcome("dibao").monthly_amount == POOR_DIBAO
    assert 'data-testid="outcome-seed"' in response.content.decode()


# --- minzheng explain ----------------------------------------------------------------------------


def _explain(**options: Any) -> str:
    out = StringIO()
    call_command("explain", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_command_prints_the_explanation(parameters: None) -> None:
    household = situations.poor_household()
    day = timezone.localdate().isoformat()
    text = _explain(household=household.number, programme="dibao", as_of=day)
    assert f"判定日期 {day}" in text
    assert "【本户】结论：符合，金额 670.00 元" in text
    assert "✔ 满足 家庭月人均收入低于低保标准：月人均收入 100.00 元" in text
    assert "dibao.standard.urban" in text and "已核实" in text
    assert _full_id(household) not in text
    by_id = _explain(household=str(household.pk), programme="dibao", as_of=day)
    assert by_id == text


def test_command_json_and_summary(parameters: None) -> None:
    household = situations.poor_household()
    data = json.loads(_explain(household=household.number, programme="dibao", json=True))
    assert data["programme"] == "dibao" and data["household_id"] == household.pk
    assert [(s["status"], s["monthly_amount"]) for s in data["subjects"]] == [
        ("eligible", "670.00")
    ]
    assert "id_number" not in data["inputs"]["persons"][0]
    summary = _explain(household=household.number)
    line = next(x for x in summary.splitlines() if x.strip().startswith("dibao "))
    assert "符合，每月 670.00 元" in line
    assert len([x for x in summary.splitlines() if x.startswith("  ")]) == len(outcomes.PROGRAMMES)


def test_command_errors_are_clear(parameters: None) -> None:
    household = rf.household()
    with pytest.raises(CommandError, match="找不到家庭“S-none”"):
        _explain(household="S-none", programme="dibao")
    with pytest.raises(CommandError, match="未知的救助项目“dibo”，可用：tekun、dibao、near_dibao"):
        _explain(household=household.number, programme="dibo")
    with pytest.raises(CommandError, match="日期格式不正确"):
        _explain(household=household.number, programme="dibao", as_of="2025-13-01")


# --- the API ------------------------------------------------------------------------------------


def test_api_determinations_equal_the_engine(
    client: Client, signed_in: Any, parameters: None
) -> None:
    signed_in(VIEWER, division=rf.TOWNSHIP)
    household = situations.poor_household()
    day = timezone.localdate()
    url = reverse("api:monitoring_household_determinations", kwargs={"number": household.number})
    data = client.get(url, {"as_of": day.isoformat()}).json()
    assert data["household_id"] == household.pk and data["as_of"] == day.isoformat()
    assert data["parameters_from_seed"] is False
    engine = _engine_rows(household, day)
    by_programme = {d["programme"]: d for d in data["determinations"]}
    assert list(by_programme) == list(outcomes.PROGRAMMES)
    assert (by_programme["dibao"]["status"], by_programme["dibao"]["monthly_amount"]) == (
        "eligible",
        "670.00",
    )
    for (programme, person_id), row in engine.items():
        subjects = {s["person_id"]: s for s in by_programme[programme]["subjects"]}
        assert subjects[person_id]["status"] == row["status"]
        amount = subjects[person_id]["monthly_amount"]
        assert (None if amount is None else Decimal(amount)) == row["monthly_amount"]
        assert subjects[person_id]["reason_codes"] == list(row["reason_codes"] or [])
    assert sum(len(d["subjects"]) for d in data["determinations"]) == len(engine)


def test_api_explanation_is_the_engines_json(
    client: Client, signed_in: Any, parameters: None
) -> None:
    signed_in(VIEWER, division=rf.TOWNSHIP)
    household = situations.poor_household()
    url = reverse(
        "api:monitoring_household_explanation",
        kwargs={"number": household.number, "programme": "dibao"},
    )
    data = client.get(url).json()
    expected = outcomes.household_outcome(household=household, programmes=("dibao",))
    assert data == {
        "household_number": household.number,
        **expected.explanation("dibao").as_dict(),
    }
    assert data["subjects"][0]["conditions"][1]["met"] is True
    missing = url.replace("/dibao", "/dibo")
    assert client.get(missing).status_code == 404


def test_api_household_out_of_scope_is_not_found(client: Client, signed_in: Any) -> None:
    signed_in(VIEWER, division="500237")
    household = rf.household()
    for url in (
        reverse("api:monitoring_household_determinations", kwargs={"number": household.number}),
        reverse(
            "api:monitoring_household_explanation",
            kwargs={"number": household.number, "programme": "dibao"},
        ),
    ):
        assert client.get(url).status_code == 404


def test_api_refuses_a_closed_household_with_the_reason(
    client: Client, signed_in: Any, parameters: None
) -> None:
    signed_in(VIEWER, division=rf.TOWNSHIP)
    household = situations.poor_household()
    Household.objects.filter(pk=household.pk).update(closed_at=timezone.now())
    for url in (
        reverse("api:monitoring_household_determinations", kwargs={"number": household.number}),
        reverse(
            "api:monitoring_household_explanation",
            kwargs={"number": household.number, "programme": "dibao"},
        ),
    ):
        response = client.get(url)
        assert response.status_code == 409
        assert response.json()["detail"] == f"家庭 {household.number} 已注销，不参与评估"


def test_api_schema_is_typed(client: Client, signed_in: Any) -> None:
    signed_in(VIEWER, division=rf.TOWNSHIP)
    doc = client.get(reverse("api:openapi-json")).json()
    paths = doc["paths"]
    assert "/api/monitoring/households/{number}/determinations" in paths
    assert "/api/monitoring/households/{number}/explanations/{programme}" in paths
    schemas = doc["components"]["schemas"]
    assert set(schemas["DeterminationOut"]["properties"]) >= {
        "status",
        "monthly_amount",
        "subjects",
    }
    assert set(schemas["ExplanationOut"]["properties"]) >= {"subjects", "parameters", "inputs"}
    assert "met" in schemas["ConditionOut"]["properties"]
