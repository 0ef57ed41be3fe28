"""The population tables: one schema whether rows come from the registry, Parquet or the generator.

One row per fact, each with its ``source`` (the feed or worker that supplied it) and its period.
Money is yuan as decimal(14, 2); dates are dates; codes are strings. The tables and their meaning are
documented in docs/engine.md; this module is the single definition the code reads.

Enumerated values (kinds, relations, statuses) are listed here as tuples so that the registry's model
choices, the importers' validation and the generator all use the same words.
"""

from __future__ import annotations

import pyarrow as pa

MONEY = pa.decimal128(14, 2)
AREA = pa.decimal128(10, 2)

SEXES = ("M", "F")
LIFE_STATUSES = ("living", "deceased", "missing")
WORK_CAPACITIES = ("full", "partial", "none")
SCHOOL_STATUSES = (
    "none",
    "preschool",
    "primary",
    "junior",
    "senior",
    "vocational",
    "college",
    "bachelor",
    "postgraduate",
)
EMPLOYMENT_STATUSES = (
    "employed",
    "self_employed",
    "farming",
    "unemployed",
    "retired",
    "student",
    "not_working",
)
DISABILITY_KINDS = (
    "visual",
    "hearing",
    "speech",
    "physical",
    "intellectual",
    "mental",
    "multiple",
)
# Relation of a member to the household head (户主).
RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "grandparent", "sibling", "other")
# Why a recorded member lives apart and is not counted (programmes.md §0); "" counts.
APART_REASONS = ("", "prison", "drug_rehabilitation", "clergy_apart", "missing")
INCOME_KINDS = (
    "wage",
    "business",
    "property",
    "transfer",
    "pension",
    # Not counted as income (programmes.md §0); recorded so that the exclusion is visible.
    "basic_pension",
    "special_care",
    "family_planning_reward",
    "scholarship",
    "bravery_award",
    "assistance_payment",
)
FINANCIAL_ASSET_KINDS = (
    "deposit",
    "securities",
    "fund",
    "commercial_insurance",
    "claim",
    "online_finance",
)
VEHICLE_KINDS = (
    "car",
    "boat",
    "construction_machinery",
    "large_farm_machinery",
    "motorcycle",
    "disability_vehicle",
)
BUSINESS_ROLES = ("legal_representative", "senior_manager", "controlling_shareholder")
EXPENDITURE_KINDS = ("medical", "education", "rehabilitation", "other_rigid")
EVENT_KINDS = (
    "birth",
    "death",
    "marriage",
    "divorce",
    "disability_certified",
    "disability_changed",
    "major_illness",
    "hospitalisation",
    "unemployment",
    "school_enrolment",
    "disaster",
    "accident",
    "home_purchase",
)
PROGRAMMES = (
    "dibao",
    "dibao_individual",
    "tekun",
    "near_dibao",
    "rigid_hardship",
    "temporary_aid",
)

PERSONS = pa.schema(
    [
        ("person_id", pa.int64()),
        # Present in generated data only; registry snapshots never carry the plain ID number.
        ("id_number", pa.string()),
        ("name", pa.string()),
        ("sex", pa.string()),
        ("birth_date", pa.date32()),
        ("life_status", pa.string()),
        ("death_date", pa.date32()),
        ("hukou_division", pa.string()),
        ("residence_division", pa.string()),
        ("disability_grade", pa.int8()),  # 1 (most severe) to 4; null when none
        ("disability_kind", pa.string()),
        ("self_care_items_lost", pa.int8()),  # 0–6
        ("work_capacity", pa.string()),
        ("school_status", pa.string()),
        ("employment_status", pa.string()),
        ("industry", pa.string()),  # for the imputed wage of stable workers without proof
        ("major_illness", pa.bool_()),
        ("lacks_civil_capacity", pa.bool_()),
        ("source", pa.string()),
    ]
)

HOUSEHOLDS = pa.schema(
    [
        ("household_id", pa.int64()),
        ("head_person_id", pa.int64()),
        ("division_code", pa.string()),  # village level, 12 digits
        ("area_type", pa.string()),  # urban / rural, from the village unless overridden
        ("address", pa.string()),
        ("source", pa.string()),
    ]
)

MEMBERSHIPS = pa.schema(
    [
        ("household_id", pa.int64()),
        ("person_id", pa.int64()),
        ("relation", pa.string()),
        ("apart_reason", pa.string()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
        ("source", pa.string()),
    ]
)

INCOMES = pa.schema(
    [
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("kind", pa.string()),
        ("amount", MONEY),  # total for the period, yuan
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("source", pa.string()),
    ]
)

ASSETS = pa.schema(
    [
        ("household_id", pa.int64()),
        ("person_id", pa.int64()),
        # a financial kind, a vehicle kind, "home", or "business"
        ("kind", pa.string()),
        ("value", MONEY),
        ("floor_area", AREA),  # homes, m²
        ("housing_grade", pa.string()),  # homes: "" or the unsafe-housing grade C / D
        ("business_role", pa.string()),  # business: one of BUSINESS_ROLES
        ("business_operating", pa.bool_()),  # business: operates or employs people
        ("as_of", pa.date32()),
        ("source", pa.string()),
    ]
)

EXPENDITURES = pa.schema(
    [
        ("household_id", pa.int64()),
        ("person_id", pa.int64()),
        ("kind", pa.string()),
        ("amount", MONEY),
        ("date", pa.date32()),
        ("source", pa.string()),
    ]
)

EVENTS = pa.schema(
    [
        ("household_id", pa.int64()),
        ("person_id", pa.int64()),
        ("kind", pa.string()),
        ("date", pa.date32()),
        ("amount", MONEY),
        ("detail", pa.string()),
        ("source", pa.string()),
    ]
)

ENROLMENTS = pa.schema(
    [
        ("household_id", pa.int64()),
        ("person_id", pa.int64()),  # null for household programmes
        ("programme", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("monthly_amount", MONEY),
        ("source", pa.string()),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "persons": PERSONS,
    "households": HOUSEHOLDS,
    "memberships": MEMBERSHIPS,
    "incomes": INCOMES,
    "assets": ASSETS,
    "expenditures": EXPENDITURES,
    "events": EVENTS,
    "enrolments": ENROLMENTS,
}

# The engine's output: one row per (household or person, programme). Household programmes have
# ``person_id`` null. ``monthly_amount`` is set for eligible subjects (0 for programmes without
# cash) and null when unknown; ``reason_codes`` say which condition failed (``<code>:failed``) or
# could not be decided (``<code>:unknown``, ``parameter_unknown:<name>``, ``amount_unknown``).
DETERMINATION_STATUSES = ("eligible", "ineligible", "unknown")
DETERMINATIONS = pa.schema(
    [
        ("as_of", pa.date32()),
        ("household_id", pa.int64()),
        ("person_id", pa.int64()),
        ("programme", pa.string()),
        ("status", pa.string()),
        ("monthly_amount", MONEY),
        ("reason_codes", pa.list_(pa.string())),
        ("division_code", pa.string()),
        ("county_code", pa.string()),
        ("area_type", pa.string()),
        ("counted_members", pa.int64()),
        ("income_per_capita", MONEY),
        ("standard", MONEY),
        ("detail", pa.string()),
        ("unverified_parameters", pa.list_(pa.string())),
    ]
)
# Columns the same on every row of a programme: Parquet files of determinations (``to_parquet``,
# ``write_parts``, a screening's parts) leave them out, and a screening writes them once per
# programme (``programmes.parquet``). Writing the parameter list on every row cost about a tenth
# of a whole-population run.
PER_PROGRAMME = ("unverified_parameters",)
DETERMINATION_FILES = pa.schema([f for f in DETERMINATIONS if f.name not in PER_PROGRAMME])
