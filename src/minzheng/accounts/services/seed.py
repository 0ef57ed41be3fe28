"""Seeding the roles of ``permissions.ROLES`` and the org units of Chongqing's civil affairs.

Both seeds are idempotent: run again, they create only what is missing and never undo a change
made since (an administrator's edit of a role, a division change that re-homed a unit).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from minzheng.accounts.models import BusinessLine, OrgUnit, Role
from minzheng.accounts.permissions import ACTIONS, ROLES
from minzheng.audit.services import record_event
from minzheng.divisions import selectors as division_selectors
from minzheng.divisions.models import Division

BATCH_SIZE = 2000
Kind = OrgUnit.Kind

CITY_BUREAU_CODE = "city-bureau"
CITY_BUREAU_NAME = "重庆市民政局"

# The city bureau's internal departments (处室) and the business line each owns.
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("city-dept-social-assistance", "社会救助处", BusinessLine.SOCIAL_ASSISTANCE),
    ("city-dept-elderly-care", "养老服务处", BusinessLine.ELDERLY_CARE),
    ("city-dept-child-welfare", "儿童福利处", BusinessLine.CHILD_WELFARE),
    ("city-dept-social-affairs", "社会事务处", BusinessLine.SOCIAL_AFFAIRS),
    ("city-dept-social-organizations", "社会组织管理局", BusinessLine.SOCIAL_ORGANIZATIONS),
    ("city-dept-charity", "慈善事业促进和社会工作处", BusinessLine.CHARITY),
    ("city-dept-place-names", "区划地名处", BusinessLine.PLACE_NAMES),
    ("city-dept-policy-law", "政策法规处", ""),
    ("city-dept-planning-finance", "规划财务处", ""),
    ("city-dept-office", "办公室", ""),
)

# Affiliated units (直属单位): only units known to exist.
AFFILIATED_UNITS: tuple[tuple[str, str, str], ...] = (
    ("city-unit-dibao-center", "重庆市最低生活保障事务中心", BusinessLine.SOCIAL_ASSISTANCE),
    ("city-unit-relief-station", "重庆市救助管理站", BusinessLine.SOCIAL_ASSISTANCE),
    ("city-unit-children-welfare-home", "重庆市儿童福利院", BusinessLine.CHILD_WELFARE),
    ("city-unit-first-welfare-home", "重庆市第一社会福利院", BusinessLine.ELDERLY_CARE),
)

# City-level partner agencies (协同部门).
PARTNER_AGENCIES: tuple[tuple[str, str], ...] = (
    ("agency-healthcare-security", "重庆市医疗保障局"),
    ("agency-education", "重庆市教育委员会"),
    ("agency-housing", "重庆市住房和城乡建设委员会"),
    ("agency-human-resources", "重庆市人力资源和社会保障局"),
    ("agency-health", "重庆市卫生健康委员会"),
    ("agency-disabled-persons", "重庆市残疾人联合会"),
    ("agency-public-security", "重庆市公安局"),
    ("agency-market-regulation", "重庆市市场监督管理局"),
    ("agency-tax", "国家税务总局重庆市税务局"),
)


def county_bureau_code(division_code: str) -> str:
    """The org unit code of the civil affairs bureau of a county-level division."""
    return f"county-bureau-{division_code}"


def station_code(division_code: str) -> str:
    """The org unit code of the service station of a township-level division."""
    return f"station-{division_code}"


def village_committee_code(division_code: str) -> str:
    """The org unit code of the committee of a village-level division."""
    return f"village-{division_code}"


@dataclass(frozen=True)
class SeedResult:
    """What one seed run did: rows created (by kind or code), and how many exist now."""

    created: int
    total: int
    created_by_kind: dict[str, int] = field(default_factory=dict)


def seed_roles() -> SeedResult:
    """Create each role of ``ROLES`` once; afterwards hand out only newly listed defaults.

    An action an administrator removed from a role stays removed: ``Role.seeded_actions``
    remembers every default already handed out.
    """
    for definition in ROLES:
        unknown = [a for a in definition.actions if a not in ACTIONS]
        if unknown:
            raise ImproperlyConfigured(f"role {definition.code}: unknown actions {unknown}")
    created = 0
    with transaction.atomic():
        existing = {r.code: r for r in Role.objects.select_for_update()}
        for definition in ROLES:
            role = existing.get(definition.code)
            if role is None:
                role = Role(
                    code=definition.code,
                    name=definition.name,
                    description=definition.description,
                    actions=list(definition.actions),
                    requires_two_factor=definition.requires_two_factor,
                    seeded_actions=list(definition.actions),
                )
                role.full_clean()
                role.save()
                created += 1
                record_event(
                    actor=None,
                    action="role.create",
                    obj=role,
                    after={
                        "actions": role.actions,
                        "requires_two_factor": role.requires_two_factor,
                    },
                    reason="seed",
                )
                continue
            new = [a for a in definition.actions if a not in role.seeded_actions]
            if not new:
                continue
            before = {"actions": list(role.actions)}
            role.actions = [a for a in ACTIONS if a in role.actions or a in new]
            role.seeded_actions = [*role.seeded_actions, *new]
            role.save(update_fields=["actions", "seeded_actions"])
            record_event(
                actor=None,
                action="role.update",
                obj=role,
                before=before,
                after={"actions": role.actions},
                reason="seed: new default actions",
            )
    return SeedResult(created=created, total=Role.objects.count())


def seed_org_units() -> SeedResult:
    """Create the civil-affairs org units of Chongqing that are missing, in bulk.

    The city bureau with its departments and affiliated units, the city partner agencies, a
    bureau per county-level division, a service station per township and a committee per
    village or community of today's tree. Units are matched by code, and a division that
    already has an open unit of the kind gets no second one: existing units are left as they
    are. One audit event records the run.
    """
    with transaction.atomic():
        existing: dict[str, int] = dict(OrgUnit.objects.values_list("code", "id"))
        created: Counter[str] = Counter()

        def add(units: list[OrgUnit]) -> None:
            fresh = [u for u in units if u.code not in existing]
            for unit in fresh:
                unit.full_clean(exclude=["division", "parent"], validate_unique=False)
            OrgUnit.objects.bulk_create(fresh, batch_size=BATCH_SIZE)
            for unit in fresh:
                existing[unit.code] = unit.pk
                created[unit.kind] += 1

        city = division_selectors.city()
        add(
            [
                OrgUnit(
                    code=CITY_BUREAU_CODE,
                    name=CITY_BUREAU_NAME,
                    kind=Kind.CITY_BUREAU,
                    division_id=city.pk,
                )
            ]
        )
        bureau_id = existing[CITY_BUREAU_CODE]
        city_units = [
            OrgUnit(
                code=code,
                name=name,
                kind=Kind.DEPARTMENT,
                division_id=city.pk,
                parent_id=bureau_id,
                business_line=line,
            )
            for code, name, line in DEPARTMENTS
        ]
        city_units += [
            OrgUnit(
                code=code,
                name=name,
                kind=Kind.AFFILIATED_UNIT,
                division_id=city.pk,
                parent_id=bureau_id,
                business_line=line,
            )
            for code, name, line in AFFILIATED_UNITS
        ]
        city_units += [
            OrgUnit(code=code, name=name, kind=Kind.PARTNER_AGENCY, division_id=city.pk)
            for code, name in PARTNER_AGENCIES
        ]
        add(city_units)

        levels = (
            (Division.Level.COUNTY, Kind.COUNTY_BUREAU, county_bureau_code, "{}民政局"),
            (Division.Level.TOWNSHIP, Kind.SERVICE_STATION, station_code, "{}民政服务站"),
            (Division.Level.VILLAGE, Kind.VILLAGE_COMMITTEE, village_committee_code, "{}"),
        )
        # A division that already has an open unit of the level's kind (seeded, entered by an
        # administrator, or moved there by a division change) gets no second one.
        open_unit: dict[tuple[str, int], int] = {
            (kind, division_id): pk
            for pk, kind, division_id in OrgUnit.objects.filter(
                closed_at__isnull=True, kind__in=[k for _l, k, _c, _n in levels]
            )
            .order_by("id")
            .values_list("id", "kind", "division_id")
        }
        # The unit of each division at the level above, to hang the next level's units from.
        unit_of_division: dict[int, int] = {city.pk: bureau_id}
        for level, kind, code_of, name_pattern in levels:
            rows = list(
                Division.objects.filter(level=level, valid_to__isnull=True)
                .order_by("path")
                .values_list("id", "code", "name", "parent_id")
            )
            fresh = [
                OrgUnit(
                    code=code_of(code),
                    name=name_pattern.format(name),
                    kind=kind,
                    division_id=division_id,
                    parent_id=unit_of_division.get(parent_id),
                )
                for division_id, code, name, parent_id in rows
                if (kind, division_id) not in open_unit
            ]
            add(fresh)
            for unit in fresh:
                if unit.pk is not None:
                    open_unit.setdefault((kind, unit.division_id), unit.pk)
            unit_of_division = {
                division_id: open_unit[(kind, division_id)]
                for division_id, _code, _name, _parent in rows
                if (kind, division_id) in open_unit
            }

        total = OrgUnit.objects.count()
        if created:
            record_event(
                actor=None,
                action="orgunit.seed",
                after={"created": sum(created.values()), "created_by_kind": dict(created)},
                division_code=city.code,
                reason="seed",
            )
    return SeedResult(created=sum(created.values()), total=total, created_by_kind=dict(created))
