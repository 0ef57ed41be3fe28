"""The division browser, detail page, county map data, change pages and API, beyond scope."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from minzheng.accounts.models import OrgUnit
from minzheng.divisions import services
from minzheng.divisions.models import Division, DivisionChange
from tests.divisions.test_changes import CHANGE_FILE, TEST_LIANGJIANG_CODE
from tests.scope import make_scoped_user

pytestmark = pytest.mark.django_db


def signed_in(actions: list[str], division: str = "500000") -> Client:
    client = Client()
    client.force_login(make_scoped_user(actions, division=division))
    return client


@pytest.fixture
def city_viewer(divisions: Any) -> Client:
    return signed_in(["division.view"])


@pytest.fixture
def city_admin(divisions: Any) -> Client:
    return signed_in(["division.view", "division.change"])


def test_browser_shows_the_city_root_with_counts(city_viewer):
    OrgUnit.objects.create(
        code="test-wanzhou-station",
        name="测试站",
        kind="service_station",
        division=Division.objects.get(code="500101001"),
    )
    response = city_viewer.get(reverse("divisions:browser"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "重庆市" in page
    assert 'data-testid="county-map"' in page
    # The counters accounts registers give columns; the city row counts everything below it.
    assert "机构" in page and "用户" in page
    node = response.context["roots"][0]
    assert node["division"].code == "500000"
    assert node["children"] == 38
    counts = dict(node["counts"])
    assert counts["机构"] == OrgUnit.objects.count()


def test_children_fragment_lists_a_townships_villages(city_viewer):
    response = city_viewer.get(
        reverse("divisions:children", kwargs={"code": "500101001"}), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    nodes = response.context["nodes"]
    assert [n["division"].code for n in nodes][:2] == ["500101001001", "500101001002"]
    assert len(nodes) == Division.objects.filter(parent__code="500101001").count()
    assert "东方广场社区居民委员会" in response.content.decode()
    assert "城市" in response.content.decode()


def test_search_by_name_and_by_code(city_viewer):
    by_name = city_viewer.get(reverse("divisions:browser"), {"q": "解放碑"})
    assert [d.code for d in by_name.context["results"]][:1] == ["500103003"]
    fragment = city_viewer.get(
        reverse("divisions:browser"),
        {"q": "500229"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="division-search-results",
    )
    assert fragment.status_code == 200
    assert fragment.context["results"][0].code == "500229"
    assert "<html" not in fragment.content.decode()


def test_search_stays_in_scope(divisions):
    client = signed_in(["division.view"], division="500101")
    response = client.get(reverse("divisions:browser"), {"q": "街道"})
    codes = [d.code for d in response.context["results"]]
    assert codes and all(c.startswith("500101") for c in codes)


def test_township_user_sees_no_map_and_their_township_as_root(divisions):
    client = signed_in(["division.view"], division="500101001")
    response = client.get(reverse("divisions:browser"))
    assert [n["division"].code for n in response.context["roots"]] == ["500101001"]
    assert response.context["show_map"] is False


def test_map_data_today_and_as_of_a_date(city_viewer, city_admin):
    url = reverse("divisions:map_data")
    before = city_viewer.get(url).json()
    assert len(before["counties"]) == 38
    assert before["features"]["500105"] == "500105"
    assert before["features"]["500155"] == "500155"  # 梁平县 in the map's source

    admin = make_scoped_user(["division.change"])
    change = services.change_record(spec=services.read_change_spec(CHANGE_FILE), by=admin)
    services.change_apply(change=change, by=admin, new_codes={"liangjiang": TEST_LIANGJIANG_CODE})

    today = city_viewer.get(url).json()
    assert len(today["counties"]) == 37
    assert today["features"]["500105"] == today["features"]["500112"] == TEST_LIANGJIANG_CODE
    assert len(today["features"]) == 38
    old = city_viewer.get(url, {"mode": "history", "as_of": "2025-12-31"}).json()
    assert old["as_of"] == "2025-12-31"
    assert len(old["counties"]) == 38
    assert old["features"]["500112"] == "500112"
    assert city_viewer.get(url, {"mode": "history"}).status_code == 400


def test_map_counts_follow_the_counties_of_the_date(city_viewer):
    # A station in 大湾镇, which moved from 渝北区 to 北碚区 on 2026-01-25.
    OrgUnit.objects.create(
        code="test-dawan-station",
        name="大湾镇民政服务站（测试）",
        kind="service_station",
        division=Division.objects.get(code="500112135"),
    )
    admin = make_scoped_user(["division.change"])
    change = services.change_record(spec=services.read_change_spec(CHANGE_FILE), by=admin)
    services.change_apply(change=change, by=admin, new_codes={"liangjiang": TEST_LIANGJIANG_CODE})
    url = reverse("divisions:map_data")

    def org_units(data: dict[str, Any]) -> dict[str, int]:
        return {c["code"]: c["counts"]["org_units"] for c in data["counties"]}

    today = org_units(city_viewer.get(url).json())
    old = org_units(city_viewer.get(url, {"mode": "history", "as_of": "2025-12-31"}).json())
    beibei_stations_today = OrgUnit.objects.filter(
        division__path__startswith="500000/500109/"
    ).count()
    assert today["500109"] == beibei_stations_today
    assert (
        old["500112"]
        == OrgUnit.objects.filter(
            division__code__startswith="500112", division__level__in=["township", "village"]
        ).count()
        + OrgUnit.objects.filter(division__code="500112").count()
    )
    assert today["500109"] - old["500109"] >= 1


def test_detail_of_a_retired_unit_shows_its_successor_and_history(city_admin):
    admin = make_scoped_user(["division.change"])
    change = services.change_record(spec=services.read_change_spec(CHANGE_FILE), by=admin)
    services.change_apply(change=change, by=admin, new_codes={"liangjiang": TEST_LIANGJIANG_CODE})
    response = city_admin.get(reverse("divisions:detail", kwargs={"code": "500112"}))
    page = response.content.decode()
    assert response.status_code == 200
    assert "2026-01-25 撤销" in page
    assert "两江新区" in page
    town = city_admin.get(reverse("divisions:detail", kwargs={"code": "500112135"}))
    versions = town.context["history"].versions
    assert [v.parent.code for v in versions] == ["500112", "500109"]
    assert "撤销江北区、渝北区，设立两江新区" in town.content.decode()


def test_record_preview_and_apply_a_change_in_the_pages(city_admin):
    with open(CHANGE_FILE, "rb") as handle:
        upload = SimpleUploadedFile("2025-lianjiang.json", handle.read(), "application/json")
    created = city_admin.post(reverse("divisions:change_create"), {"file": upload})
    assert created.status_code == 302
    change = DivisionChange.objects.get()
    assert change.status == "draft"

    preview = city_admin.get(reverse("divisions:change_detail", kwargs={"pk": change.pk}))
    assert preview.status_code == 200
    assert (
        preview.context["preview"].counties_before,
        preview.context["preview"].counties_after,
    ) == (38, 37)
    assert "code_liangjiang" in preview.content.decode()

    apply_url = reverse("divisions:change_apply", kwargs={"pk": change.pk})
    refused = city_admin.post(apply_url, {"code_liangjiang": "", "confirm": "on"})
    assert refused.status_code == 400
    taken = city_admin.post(apply_url, {"code_liangjiang": "500105", "confirm": "on"})
    assert taken.status_code == 400
    assert "已被使用" in taken.content.decode()
    change.refresh_from_db()
    assert change.status == "draft"

    applied = city_admin.post(apply_url, {"code_liangjiang": TEST_LIANGJIANG_CODE, "confirm": "on"})
    assert applied.status_code == 302
    change.refresh_from_db()
    assert change.status == "applied"
    assert Division.objects.get(code=TEST_LIANGJIANG_CODE).name == "两江新区"


def test_record_a_change_from_typed_fields(city_admin):
    items = [{"op": "rename", "code": "500101001", "name": "高笋塘新街道"}]
    response = city_admin.post(
        reverse("divisions:change_create"),
        {
            "kind": "rename",
            "title": "更名测试",
            "effective_on": "2026-06-01",
            "items": json.dumps(items),
        },
    )
    assert response.status_code == 302
    change = DivisionChange.objects.get(title="更名测试")
    assert [i.operation for i in change.items.all()] == ["rename"]
    bad = city_admin.post(
        reverse("divisions:change_create"),
        {
            "kind": "rename",
            "title": "坏",
            "effective_on": "2026-06-01",
            "items": '[{"op": "rename", "code": "599999999", "name": "x"}]',
        },
    )
    assert bad.status_code == 200
    assert "区划代码 599999999 不存在" in bad.content.decode()


def test_api_filters_by_parent_level_and_q(city_viewer):
    url = reverse("api:division_list")
    counties = city_viewer.get(url, {"level": "county"}).json()
    assert counties["count"] == 38
    kids = city_viewer.get(url, {"parent": "500101001"}).json()
    assert kids["count"] == Division.objects.filter(parent__code="500101001").count()
    assert {item["level"] for item in kids["items"]} == {"village"}
    found = city_viewer.get(url, {"q": "解放碑"}).json()
    assert found["items"][0]["code"] == "500103003"
    detail = city_viewer.get(reverse("api:division_detail", kwargs={"code": "500103003"})).json()
    assert (detail["name"], detail["parent_code"], detail["level"]) == (
        "解放碑街道",
        "500103",
        "township",
    )
    children = city_viewer.get(reverse("api:division_children", kwargs={"code": "500103"})).json()
    assert [c["parent_code"] for c in children] == ["500103"] * len(children)


def test_api_parent_out_of_scope_is_404(divisions):
    client = signed_in(["division.view"], division="500101")
    assert client.get(reverse("api:division_list"), {"parent": "500229"}).status_code == 404
    assert client.get(reverse("api:division_list"), {"level": "county"}).json()["count"] == 1
