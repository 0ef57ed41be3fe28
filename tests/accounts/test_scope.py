"""restrict(): per action, per division subtree, per business line; role edits take effect."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from minzheng.accounts import services
from minzheng.accounts.models import BusinessLine, OrgUnit, Role, RoleAssignment, User
from minzheng.accounts.scope import can, can_at, can_city_wide, restrict
from minzheng.divisions.models import Division

pytestmark = pytest.mark.django_db


def _codes(qs: object) -> set[str]:
    return set(qs.values_list("code", flat=True))  # type: ignore[attr-defined]


def test_restrict_follows_the_division_subtree(scoped_user: Callable[..., User]) -> None:
    user = scoped_user(["orgunit.view"], division="500101001")
    visible = restrict(OrgUnit.objects.all(), user, "orgunit.view")
    villages = Division.objects.filter(parent__code="500101001", valid_to__isnull=True).count()
    # the station, its villages' committees, and the test unit the factory made
    assert visible.count() == 1 + villages + 1
    assert "county-bureau-500101" not in _codes(visible)
    assert restrict(OrgUnit.objects.all(), user, "division.view").count() == 0


def test_unknown_action_is_a_programming_error(scoped_user: Callable[..., User]) -> None:
    user = scoped_user(["orgunit.view"])
    with pytest.raises(ImproperlyConfigured):
        restrict(OrgUnit.objects.all(), user, "orgunit.veiw")


def test_business_line_narrows_models_that_carry_one(scoped_user: Callable[..., User]) -> None:
    user = scoped_user(
        ["user.manage"], division="500000", business_line=BusinessLine.SOCIAL_ASSISTANCE
    )
    other = scoped_user(["user.manage"], division="500101")
    RoleAssignment.objects.create(
        user=other,
        role=Role.objects.get(code="city_department"),
        division=Division.objects.get(code="500101"),
        business_line=BusinessLine.ELDERLY_CARE,
    )
    lines = set(
        restrict(RoleAssignment.objects.all(), user, "user.manage").values_list(
            "business_line", flat=True
        )
    )
    assert lines == {BusinessLine.SOCIAL_ASSISTANCE}
    # OrgUnit declares no business line: the scope is the division subtree alone.
    assert restrict(OrgUnit.objects.all(), user, "user.manage").count() == OrgUnit.objects.count()
    assert can_at(user, "user.manage", Division.objects.get(code="500101"), "social_assistance")
    assert not can_at(user, "user.manage", Division.objects.get(code="500101"), "elderly_care")


def test_inactive_users_and_closed_assignments_see_nothing(
    scoped_user: Callable[..., User],
) -> None:
    user = scoped_user(["orgunit.view"], division="500101")
    user.is_active = False
    assert restrict(OrgUnit.objects.all(), user, "orgunit.view").count() == 0
    user = scoped_user(["orgunit.view"], division="500101")
    RoleAssignment.objects.filter(user=user).update(closed_at=timezone.now())
    assert not can(user, "orgunit.view")


def test_city_wide_means_the_root_without_a_business_line(
    scoped_user: Callable[..., User],
) -> None:
    assert can_city_wide(scoped_user(["role.manage"], division="500000"), "role.manage")
    assert not can_city_wide(scoped_user(["role.manage"], division="500101"), "role.manage")
    assert not can_city_wide(
        scoped_user(["role.manage"], division="500000", business_line="charity"), "role.manage"
    )


def test_role_edit_changes_what_a_holder_sees(scoped_user: Callable[..., User]) -> None:
    role = Role.objects.get(code="township_worker")
    user = scoped_user(division="500101001")
    RoleAssignment.objects.create(
        user=user, role=role, division=Division.objects.get(code="500101001")
    )
    assert restrict(OrgUnit.objects.all(), user, "orgunit.view").count() > 0
    services.role_update(
        by=None,
        role=role,
        name=role.name,
        actions=[a for a in role.actions if a != "orgunit.view"],
        requires_two_factor=False,
    )
    fresh = User.objects.get(pk=user.pk)  # a new request loads the user again
    assert restrict(OrgUnit.objects.all(), fresh, "orgunit.view").count() == 0
