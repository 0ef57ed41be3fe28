"""Division changes, tested with the real 2025 change: 江北区 and 渝北区 into 两江新区."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F

from minzheng.accounts.models import User
from minzheng.audit.models import AuditEvent
from minzheng.divisions import selectors, services
from minzheng.divisions.models import Division, DivisionChange, DivisionVersion
from minzheng.divisions.services import read_change_spec
from minzheng.divisions.signals import division_rehomed

pytestmark = pytest.mark.django_db

CHANGE_FILE = "src/minzheng/divisions/changes/2025-lianjiang.json"
# TEST VALUE, not the official code: the GB/T 2260 code of 两江新区 is unknown, and the
# platform never invents one. Tests enter this one as an administrator would.
TEST_LIANGJIANG_CODE = "500199"
EFFECTIVE = date(2026, 1, 25)
DAY_BEFORE = date(2026, 1, 24)

JIANGBEI, YUBEI, BEIBEI = "500105", "500112", "500109"
YUBEI_TOWNS_TO_BEIBEI = {
    "500112135": "大湾镇",
    "500112133": "统景镇",
    "500112143": "大盛镇",
    "500112138": "兴隆镇",
    "500112140": "茨竹镇",
}
BEIBEI_UNITS_TO_LIANGJIANG = {
    "500109008": "水土街道",
    "500109009": "复兴街道",
    "500109006": "蔡家岗街道",
    "500109108": "施家梁镇",
    "500109104": "童家溪镇",
}


@pytest.fixture
def admin_user(db: None) -> User:
    # No password: hashing one costs more than the rest of a test.
    return User.objects.create(username="division-admin")


@pytest.fixture
def rehomed_calls() -> Any:
    calls: list[tuple[str, str, int]] = []

    def receiver(sender: Any, *, old: Division, new: Division, change: Any, **_: Any) -> None:
        calls.append((old.code, new.code, change.pk))

    division_rehomed.connect(receiver, dispatch_uid="test-divisions-rehomed")
    yield calls
    division_rehomed.disconnect(dispatch_uid="test-divisions-rehomed")


@pytest.fixture
def lianjiang_draft(divisions: Any, admin_user: User) -> DivisionChange:
    return services.change_record(spec=read_change_spec(CHANGE_FILE), by=admin_user)


@pytest.fixture
def lianjiang(lianjiang_draft: DivisionChange, admin_user: User, rehomed_calls: Any) -> Any:
    return services.change_apply(
        change=lianjiang_draft, by=admin_user, new_codes={"liangjiang": TEST_LIANGJIANG_CODE}
    )


def test_the_change_file_has_no_code_for_the_new_district() -> None:
    spec = read_change_spec(CHANGE_FILE)
    creates = [item for item in spec["items"] if item["op"] == "create"]
    assert [(c["name"], c.get("code")) for c in creates] == [("两江新区", None)]


def test_draft_expands_to_concrete_items_and_changes_nothing(lianjiang_draft, divisions):
    items = list(lianjiang_draft.items.all())
    ops = [item.operation for item in items]
    # 1 create; 12 江北 + 5 + 25 渝北 + 5 北碚 transfers; 2 retirements.
    assert (ops.count("create"), ops.count("transfer"), ops.count("retire")) == (1, 47, 2)
    assert lianjiang_draft.status == "draft"
    assert selectors.counties().count() == 38
    assert divisions.get("500112135").parent.code == YUBEI
    preview = selectors.change_preview(lianjiang_draft)
    assert (preview.counties_before, preview.counties_after) == (38, 37)
    assert preview.by_target["北碚区"] == {"township": 5, "descendants": 101}
    assert preview.by_target["两江新区"]["township"] == 42


def test_applying_without_an_entered_code_is_refused(lianjiang_draft, admin_user):
    with pytest.raises(ValidationError, match="须由管理员录入"):
        services.change_apply(change=lianjiang_draft, by=admin_user)
    lianjiang_draft.refresh_from_db()
    assert lianjiang_draft.status == "draft"
    assert selectors.counties().count() == 38


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("50019", "6 位数字"),
        ("510199", "以 50 开头"),
        ("500105", "已被使用"),  # 江北区's own code: codes are never reused
        ("500101", "已被使用"),
    ],
)
def test_entered_code_is_validated(lianjiang_draft, admin_user, code, message):
    with pytest.raises(ValidationError, match=message):
        services.change_apply(change=lianjiang_draft, by=admin_user, new_codes={"liangjiang": code})
    assert not Division.objects.filter(name="两江新区").exists()


def test_county_level_units_after_the_change(lianjiang, divisions):
    # 38 - 江北区 - 渝北区 + 两江新区.
    assert selectors.counties().count() == 37
    assert selectors.counties(as_of=DAY_BEFORE).count() == 38
    assert selectors.counties(as_of=EFFECTIVE).count() == 37
    codes = set(selectors.counties().values_list("code", flat=True))
    assert TEST_LIANGJIANG_CODE in codes
    assert {JIANGBEI, YUBEI}.isdisjoint(codes)


def test_township_level_units_after_the_change(lianjiang, divisions):
    # The README says "Chongqing now has ... 1,028 township-level units". This change abolishes
    # no township (all 47 moved keep their codes), so it leaves the data's 1,031 at 1,031; the
    # 1,028 reflects township mergers elsewhere after the data's 2022-10-31 cut-off, which the
    # data do not hold. We assert what the data give.
    active_townships = Division.objects.filter(
        level="township", valid_to__isnull=True, parent__level="county", parent__valid_to=None
    )
    assert active_townships.count() == 1031
    assert len([c for c in selectors.county_map() if len(c) == 9]) == 1031


def test_retired_districts_point_to_their_successor(lianjiang, divisions):
    for code in (JIANGBEI, YUBEI):
        retired = divisions.get(code)
        assert retired.valid_to == EFFECTIVE
        assert retired.successor is not None
        assert retired.successor.code == TEST_LIANGJIANG_CODE
        assert selectors.children(retired).count() == 0
    liangjiang = divisions.get(TEST_LIANGJIANG_CODE)
    assert (liangjiang.name, liangjiang.level, liangjiang.valid_from) == (
        "两江新区",
        "county",
        EFFECTIVE,
    )
    assert liangjiang.path == f"500000/{TEST_LIANGJIANG_CODE}/"


def test_townships_moved_keep_their_codes(lianjiang, divisions):
    for code, name in YUBEI_TOWNS_TO_BEIBEI.items():
        town = divisions.get(code)
        assert (town.name, town.parent.code, town.path) == (
            name,
            BEIBEI,
            f"500000/{BEIBEI}/{code}/",
        )
    for code, name in BEIBEI_UNITS_TO_LIANGJIANG.items():
        unit = divisions.get(code)
        assert (unit.name, unit.parent.code) == (name, TEST_LIANGJIANG_CODE)
    liangjiang = divisions.get(TEST_LIANGJIANG_CODE)
    # 12 from 江北区, 25 from 渝北区, 5 from 北碚区.
    assert selectors.children(liangjiang).count() == 42
    assert selectors.children(divisions.get(BEIBEI)).count() == 17 - 5 + 5


def test_all_village_paths_follow_their_township(lianjiang, divisions):
    stale = [
        d.code
        for d in Division.objects.select_related("parent").filter(level__in=["township", "village"])
        if d.parent is None or d.path != f"{d.parent.path}{d.code}/"
    ]
    assert stale == []
    village = Division.objects.filter(parent__code="500112135").order_by("code").first()
    assert village is not None
    assert village.path.startswith(f"500000/{BEIBEI}/500112135/")
    assert (
        selectors.subtree(divisions.get(TEST_LIANGJIANG_CODE)).filter(level="village").count()
        == Division.objects.filter(
            level="village", path__startswith=f"500000/{TEST_LIANGJIANG_CODE}/"
        ).count()
    )
    assert Division.objects.filter(path__startswith=f"500000/{JIANGBEI}/").count() == 1


def test_county_map_before_and_after(lianjiang, divisions):
    before = selectors.county_map(DAY_BEFORE)
    after = selectors.county_map(EFFECTIVE)
    assert selectors.county_map() == after
    assert before.keys() == after.keys()
    assert len(before) == 1031 + 11270
    assert before["500112135"] == YUBEI and after["500112135"] == BEIBEI
    assert before["500109008"] == BEIBEI and after["500109008"] == TEST_LIANGJIANG_CODE
    assert before["500105001"] == JIANGBEI and after["500105001"] == TEST_LIANGJIANG_CODE
    village = next(c for c in before if c.startswith("500112135") and len(c) == 12)
    assert (before[village], after[village]) == (YUBEI, BEIBEI)
    assert before["500101001"] == after["500101001"] == "500101"
    moved = {code for code in before if before[code] != after[code]}
    moved_townships = {code for code in moved if len(code) == 9}
    assert len(moved_townships) == 47
    assert set(after.values()) == set(selectors.counties().values_list("code", flat=True))
    assert len(set(before.values())) == 38


def test_tree_as_of_reads_the_old_tree(lianjiang, divisions):
    old = selectors.tree_as_of(DAY_BEFORE)
    new = selectors.tree_as_of(EFFECTIVE)
    assert old["500112135"].parent_code == YUBEI
    assert old["500112135"].path == f"500000/{YUBEI}/500112135/"
    assert new["500112135"].path == f"500000/{BEIBEI}/500112135/"
    assert TEST_LIANGJIANG_CODE not in old and JIANGBEI in old
    assert TEST_LIANGJIANG_CODE in new and JIANGBEI not in new
    assert selectors.county_names(DAY_BEFORE)[YUBEI] == "渝北区"


def test_history_is_recorded_as_versions(lianjiang, divisions):
    versions = list(
        DivisionVersion.objects.filter(division__code="500112135").order_by(
            F("valid_from").asc(nulls_first=True)
        )
    )
    assert [(v.parent.code if v.parent else "", v.valid_from, v.valid_to) for v in versions] == [
        (YUBEI, None, EFFECTIVE),
        (BEIBEI, EFFECTIVE, None),
    ]
    history = selectors.division_history(divisions.get("500112135"))
    assert [c.pk for c in history.changes] == [lianjiang.pk]


def test_rehome_signal_is_sent_for_each_retired_unit(lianjiang, rehomed_calls):
    assert sorted(rehomed_calls) == [
        (JIANGBEI, TEST_LIANGJIANG_CODE, lianjiang.pk),
        (YUBEI, TEST_LIANGJIANG_CODE, lianjiang.pk),
    ]


def test_applying_marks_the_change_and_writes_an_audit_event(lianjiang, admin_user):
    lianjiang.refresh_from_db()
    assert (lianjiang.status, lianjiang.applied_by) == ("applied", admin_user)
    event = AuditEvent.objects.get(action="division.change.apply")
    assert event.actor == admin_user
    assert event.object_id == str(lianjiang.pk)
    assert event.after is not None
    assert event.after["created"] == [TEST_LIANGJIANG_CODE]
    assert sorted(event.after["retired"]) == [JIANGBEI, YUBEI]
    assert len(event.after["transferred"]) == 47
    assert AuditEvent.objects.filter(action="division.change.record").count() == 1


def test_an_applied_change_cannot_be_applied_again(lianjiang, admin_user):
    with pytest.raises(ValidationError, match="已实施"):
        services.change_apply(change=lianjiang, by=admin_user, new_codes={"liangjiang": "500198"})


def test_reloading_the_reference_data_keeps_the_change(lianjiang, divisions):
    result = services.load_divisions()
    assert (result.created, result.updated, result.versions_created) == (0, 0, 0)
    assert divisions.get("500112135").parent.code == BEIBEI


def test_a_failing_receiver_rolls_the_whole_change_back(lianjiang_draft, admin_user):
    def failing(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("receiver failed")

    division_rehomed.connect(failing, dispatch_uid="test-divisions-failing")
    try:
        with pytest.raises(RuntimeError):
            services.change_apply(
                change=lianjiang_draft,
                by=admin_user,
                new_codes={"liangjiang": TEST_LIANGJIANG_CODE},
            )
    finally:
        division_rehomed.disconnect(dispatch_uid="test-divisions-failing")
    assert not Division.objects.filter(code=TEST_LIANGJIANG_CODE).exists()
    assert Division.objects.get(code="500112135").path == f"500000/{YUBEI}/500112135/"


def test_rename_and_retire_a_township(divisions, admin_user):
    spec = {
        "kind": "merge",
        "title": "test: merge two townships",
        "effective_on": "2026-03-01",
        "items": [
            {"op": "rename", "code": "500101001", "name": "高笋塘新街道"},
            {"op": "transfer", "children_of": "500101017", "to": "500101001"},
            {"op": "retire", "code": "500101017", "successor": "500101001"},
        ],
    }
    change = services.change_record(spec=spec, by=admin_user)
    services.change_apply(change=change, by=admin_user)
    merged = divisions.get("500101001")
    retired = divisions.get("500101017")
    assert merged.name == "高笋塘新街道"
    assert (retired.valid_to, retired.successor) == (date(2026, 3, 1), merged)
    assert selectors.tree_as_of(date(2026, 2, 28))["500101001"].name == "高笋塘街道"
    assert selectors.tree_as_of(date(2026, 3, 1))["500101001"].name == "高笋塘新街道"
    assert selectors.county_map(date(2026, 3, 1)).get("500101017") is None


def test_a_unit_with_children_cannot_be_retired(divisions, admin_user):
    spec = {
        "kind": "retire",
        "title": "test: retire a county with townships",
        "effective_on": "2026-03-01",
        "items": [{"op": "retire", "code": "500101"}],
    }
    change = services.change_record(spec=spec, by=admin_user)
    with pytest.raises(ValidationError, match="下级区划"):
        services.change_apply(change=change, by=admin_user)


def test_bad_items_are_named(divisions, admin_user):
    spec = {
        "kind": "transfer",
        "title": "test",
        "effective_on": "2026-03-01",
        "items": [
            {"op": "transfer", "codes": ["500101001"], "to": "500102"},
            {"op": "transfer", "codes": ["599999999"], "to": "500102"},
        ],
    }
    with pytest.raises(ValidationError, match="第 2 项：区划代码 599999999 不存在"):
        services.change_record(spec=spec, by=admin_user)
    assert DivisionChange.objects.count() == 0
