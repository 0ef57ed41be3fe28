"""Reads of the household registry. Callers import this package:

    from minzheng.registry import selectors as registry_selectors
    households = registry_selectors.household_search(user=request.user, q="张")

Every query of scoped data starts from ``households_visible`` / ``persons_visible``, which go
through ``minzheng.accounts.scope.restrict``.
"""

from minzheng.registry.selectors import audit_entries as _audit_entries  # registers its provider
from minzheng.registry.selectors.actions import (
    HouseholdAction,
    household_actions,
    register_household_action,
)
from minzheng.registry.selectors.counting import (
    MemberStatus,
    age_on,
    alive_on_q,
    counted_members,
    member_status,
    recorded_members,
    standing_on_q,
)
from minzheng.registry.selectors.detail import (
    AttributeRow,
    FactRow,
    HouseholdDetail,
    MemberRow,
    PersonDetail,
    current_membership_of,
    disability_text,
    division_text,
    household_detail,
    household_facts,
    person_detail,
)
from minzheng.registry.selectors.panels import (
    HouseholdPanel,
    household_panels,
    register_household_panel,
)
from minzheng.registry.selectors.scope import (
    EDIT_ACTION,
    PII_ACTION,
    VIEW_ACTION,
    current_household,
    current_memberships_q,
    division_in_scope,
    divisions_in_scope,
    households_visible,
    person_division_code,
    persons_visible,
)
from minzheng.registry.selectors.search import (
    HouseholdRow,
    SearchTerms,
    household_rows,
    household_search,
    read_query,
)
from minzheng.registry.selectors.sources import SourceInfo, entry_source, fact_source
from minzheng.registry.selectors.timeline import (
    CATEGORIES,
    TimelineEntry,
    TimelineMember,
    household_timeline,
    register_category,
    register_provider,
)

__all__ = [
    "CATEGORIES",
    "EDIT_ACTION",
    "PII_ACTION",
    "VIEW_ACTION",
    "AttributeRow",
    "FactRow",
    "HouseholdAction",
    "HouseholdDetail",
    "HouseholdPanel",
    "HouseholdRow",
    "MemberRow",
    "MemberStatus",
    "PersonDetail",
    "SearchTerms",
    "SourceInfo",
    "TimelineEntry",
    "TimelineMember",
    "_audit_entries",
    "age_on",
    "alive_on_q",
    "counted_members",
    "current_household",
    "current_membership_of",
    "current_memberships_q",
    "disability_text",
    "division_in_scope",
    "division_text",
    "divisions_in_scope",
    "entry_source",
    "fact_source",
    "household_actions",
    "household_detail",
    "household_facts",
    "household_panels",
    "household_rows",
    "household_search",
    "household_timeline",
    "households_visible",
    "member_status",
    "person_detail",
    "person_division_code",
    "persons_visible",
    "read_query",
    "recorded_members",
    "register_category",
    "register_household_action",
    "register_household_panel",
    "register_provider",
    "standing_on_q",
]
