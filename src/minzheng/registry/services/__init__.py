"""Writes to the household registry. Callers import this package:

    from minzheng.registry import services as registry_services
    person, created = registry_services.person_register(by=user, id_number=..., name=...)

Every function is keyword-only, validates (Chinese messages), runs in one transaction and writes
an audit event. ``source`` is the import batch a value came from; without one, the worker ``by``
entered it. Fingerprints (how a fact is recognised when it comes again) are in
``minzheng.registry.services.fingerprints``.
"""

from minzheng.registry.selectors.counting import counted_members
from minzheng.registry.services._common import UNSET
from minzheng.registry.services.facts import (
    FACT_MODELS,
    FactRecorded,
    fact_close,
    fact_record,
    fact_snapshot,
    kind_of,
)
from minzheng.registry.services.fingerprints import (
    FACT_KEYS,
    WORKER_SOURCE,
    fact_fingerprint,
    fingerprint,
    source_key_for_feed,
)
from minzheng.registry.services.households import (
    household_create,
    household_merge,
    household_number_next,
    household_set_head,
    household_split,
    household_update,
    households_rehome,
    member_add,
    member_change,
    member_end,
    member_move,
)
from minzheng.registry.services.persons import (
    check_against_id_number,
    person_register,
    person_reveal_id_number,
    person_update,
)
from minzheng.registry.services.registration import household_register, member_register

__all__ = [
    "FACT_KEYS",
    "FACT_MODELS",
    "UNSET",
    "WORKER_SOURCE",
    "FactRecorded",
    "check_against_id_number",
    "counted_members",
    "fact_close",
    "fact_fingerprint",
    "fact_record",
    "fact_snapshot",
    "fingerprint",
    "household_create",
    "household_merge",
    "household_number_next",
    "household_register",
    "household_set_head",
    "household_split",
    "household_update",
    "households_rehome",
    "kind_of",
    "member_add",
    "member_change",
    "member_end",
    "member_move",
    "member_register",
    "person_register",
    "person_reveal_id_number",
    "person_update",
    "source_key_for_feed",
]
