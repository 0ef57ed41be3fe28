"""The household registry: persons, households and the facts departments report about them.

Every fact row names where it came from — an import batch of a feed, or the worker who entered it —
and the period it covers. Rows are never deleted: a corrected fact is closed (``closed_at``) and a
new one recorded. ``fingerprint`` is a hash of a fact's natural key within its source, so re-importing
a file, or overlapping files, adds nothing twice.

A fact's and a membership's person and household, and a household's head, carry no foreign-key
constraint in the model (``db_constraint=False``): PostgreSQL checks them once per statement instead
of once per row, and refuses a missing one all the same; SQLite keeps its foreign keys
(``registry.references``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.engine import schema
from minzheng.registry import labels


class DigestField(models.BinaryField):
    """A SHA-256 digest (a look-up hash, a fingerprint) stored as its 32 bytes and read and
    written as its 64 hexadecimal characters.

    Half the size of the hexadecimal text in the row and in the unique index that every
    imported row writes to with a random key. Python code, queries through the ORM and forms
    see text as before; raw SQL converts with ``to_db`` and ``from_db``.
    """

    _pyi_private_set_type: str
    _pyi_private_get_type: str  # type: ignore[assignment]
    _pyi_lookup_exact_type: str

    @staticmethod
    def to_db(value: str | None) -> bytes | None:
        """The stored form of a digest given as hexadecimal text."""
        return None if value is None else bytes.fromhex(value)

    @staticmethod
    def from_db(value: bytes | memoryview | None) -> str | None:
        """The hexadecimal text of a stored digest."""
        return None if value is None else bytes(value).hex()

    def get_default(self) -> Any:
        default = super().get_default()
        return "" if default == b"" else default

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return bytes.fromhex(value)
        return super().get_prep_value(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        return self.from_db(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, bytes | memoryview):
            return bytes(value).hex()
        return value

    def value_to_string(self, obj: models.Model) -> str:
        return str(self.value_from_object(obj) or "")


class Feed(models.Model):
    """A declared data source: one department's file or system, mapped to registry facts."""

    code = models.SlugField(_("数据源编码"), max_length=40, unique=True)
    name = models.CharField(_("数据源名称"), max_length=100)
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("提供部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feeds",
    )
    description = models.TextField(_("说明"), blank=True, default="")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("数据源")
        verbose_name_plural = _("数据源")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One file (or API payload) brought in through a feed, with its outcome row by row."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("导入中")
        SUCCEEDED = "succeeded", _("全部成功")
        PARTIAL = "partial", _("部分成功")
        FAILED = "failed", _("失败")

    feed = models.ForeignKey(
        Feed, verbose_name=_("数据源"), on_delete=models.PROTECT, related_name="batches"
    )
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件摘要"), max_length=64, db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    rows_created = models.PositiveIntegerField(_("新增行数"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("重复行数"), default=0)
    rows_failed = models.PositiveIntegerField(_("错误行数"), default=0)
    error_file = models.FileField(_("错误行文件"), upload_to="imports/errors/", blank=True)
    # An uploaded file waiting for the background import; removed once imported (personal data).
    source_file = models.FileField(_("原始文件"), upload_to="imports/uploads/", blank=True)
    # The first errors row by row ({"row", "column", "value", "message"}), for the batch page; the
    # complete list is the error file.
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True, default="")
    # The uploader's division path when the batch was submitted: who may see the batch.
    scope_path = models.CharField(_("所属范围"), max_length=100, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    scope_division_path = "scope_path"

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.feed} · {self.file_name}"


class Fact(models.Model):
    """What every registry fact carries: its source, when it was recorded, and whether it stands."""

    # Not indexed: facts are read by owner and shown with their batch, never looked up by
    # batch (batches are not deleted); an index would be written for every imported row.
    # No database constraint either: the import writes the batch in the same transaction as
    # its rows, and PROTECT still stops the ORM deleting a batch. The constraint was a
    # deferred check, a query of its own, for every imported row (docs/ingest.md).
    source_batch = models.ForeignKey(
        ImportBatch,
        db_constraint=False,
        verbose_name=_("来源批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Empty on every imported row: indexed only where set (see ``Meta.indexes``), so that an
    # import writes no index entry for it.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    fingerprint = DigestField(_("去重指纹"), unique=True)

    class Meta:
        abstract = True
        indexes = [
            models.Index(
                fields=["entered_by"],
                condition=models.Q(entered_by__isnull=False),
                name="%(class)s_entered_by",
            )
        ]


class Person(models.Model):
    """A resident. The ID number is stored only encrypted, with a keyed hash to find it."""

    id_number_encrypted = models.TextField(_("身份证号码（密文）"))
    id_number_hash = DigestField(_("身份证号码索引"), unique=True)
    # Not indexed: a search by masked number goes through ``id_number_last4``'s index.
    id_number_masked = models.CharField(_("身份证号码"), max_length=18)
    name = models.CharField(_("姓名"), max_length=60, db_index=True)
    # The last four characters of the ID number, kept by the database for "last 4 digits" search.
    id_number_last4 = models.GeneratedField(
        expression=Substr("id_number_masked", 15, 4),
        output_field=models.CharField(max_length=4),
        db_persist=True,
        db_index=True,
        verbose_name=_("身份证号码后四位"),
    )
    sex = models.CharField(
        _("性别"), max_length=1, choices=labels.choices(schema.SEXES, labels.SEXES)
    )
    birth_date = models.DateField(_("出生日期"))
    life_status = models.CharField(
        _("生存状态"),
        max_length=10,
        choices=labels.choices(schema.LIFE_STATUSES, labels.LIFE_STATUSES),
        default="living",
    )
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    # Divisions are reference data. Every code is checked against them when a row is read (an
    # unknown code refuses the row), and PROTECT stops the ORM deleting one still in use: no
    # database constraint checks each row's divisions again (docs/ingest.md).
    hukou_division = models.ForeignKey(
        "divisions.Division",
        db_constraint=False,
        verbose_name=_("户籍地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    residence_division = models.ForeignKey(
        "divisions.Division",
        db_constraint=False,
        verbose_name=_("居住地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级"),
        null=True,
        blank=True,
        choices=labels.choices((1, 2, 3, 4), labels.DISABILITY_GRADES),
    )
    disability_kind = models.CharField(
        _("残疾类别"),
        max_length=12,
        blank=True,
        default="",
        choices=labels.choices(schema.DISABILITY_KINDS, labels.DISABILITY_KINDS),
    )
    self_care_items_lost = models.PositiveSmallIntegerField(_("生活自理能力丧失项数"), default=0)
    work_capacity = models.CharField(
        _("劳动能力"),
        max_length=8,
        blank=True,
        default="",
        choices=labels.choices(schema.WORK_CAPACITIES, labels.WORK_CAPACITIES),
    )
    school_status = models.CharField(
        _("在学情况"),
        max_length=12,
        blank=True,
        default="",
        choices=labels.choices(schema.SCHOOL_STATUSES, labels.SCHOOL_STATUSES),
    )
    employment_status = models.CharField(
        _("就业状况"),
        max_length=14,
        blank=True,
        default="",
        choices=labels.choices(schema.EMPLOYMENT_STATUSES, labels.EMPLOYMENT_STATUSES),
    )
    industry = models.CharField(_("从业行业"), max_length=40, blank=True, default="")
    major_illness = models.BooleanField(_("患重特大疾病"), default=False)
    lacks_civil_capacity = models.BooleanField(_("无民事行为能力"), default=False)
    # Where each attribute's current value came from: {"field": {"batch": id, "feed": code,
    # "user": username, "at": iso}}; the person page shows it next to the value. A person an
    # import created holds one entry, ``"created"``, for all of ``CREATED_FIELDS`` (six
    # copies of it made every register row some 900 bytes long); an attribute stated since
    # has its own entry. Read an attribute's source with ``field_source``.
    field_sources = models.JSONField(_("字段来源"), default=dict, blank=True)
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now)

    scope_division_path = "residence_division__path"

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disability_grade__isnull=True)
                | models.Q(disability_grade__gte=1, disability_grade__lte=4),
                name="person_disability_grade_1_to_4",
            ),
            models.CheckConstraint(
                condition=models.Q(self_care_items_lost__lte=6),
                name="person_self_care_items_0_to_6",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    def field_source(self, name: str) -> dict[str, Any] | None:
        """Where attribute ``name``'s current value came from (a ``field_sources`` entry)."""
        return person_field_source(self.field_sources, name)


# The attributes a person is created with by an import, whose source ``field_sources`` may
# hold once, under ``CREATED_SOURCE``.
CREATED_SOURCE = "created"
CREATED_FIELDS = frozenset(
    ("id_number", "sex", "birth_date", "name", "hukou_division", "residence_division")
)


def person_field_source(sources: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    """Attribute ``name``'s entry in a person's ``field_sources`` (the creating batch's for an
    attribute it set that has no entry of its own)."""
    if not sources:
        return None
    entry = sources.get(name)
    if entry is None and name in CREATED_FIELDS:
        entry = sources.get(CREATED_SOURCE)
    return entry


class Household(models.Model):
    """The household counted for means tests (共同生活的家庭成员), living in one village."""

    number = models.CharField(_("家庭编号"), max_length=24, unique=True)
    # No database constraint, as a person's divisions (``Person.hukou_division``).
    division = models.ForeignKey(
        "divisions.Division",
        db_constraint=False,
        verbose_name=_("所在村(社区)"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    area_type = models.CharField(
        _("城乡类型"),
        max_length=5,
        choices=labels.choices(("urban", "rural"), labels.AREA_TYPES),
        blank=True,
        default="",
        help_text=_("留空时按所在村(社区)的城乡类型"),
    )
    address = models.CharField(_("住址"), max_length=200, blank=True, default="")
    head = models.ForeignKey(
        Person,
        verbose_name=_("户主"),
        null=True,
        blank=True,
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="headed_households",
    )
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    # Empty but for merged households: indexed only where set (see ``Meta.indexes``).
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("并入家庭"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        db_index=False,
    )
    # Not indexed and no database constraint, as on facts (``Fact.source_batch``).
    source_batch = models.ForeignKey(
        ImportBatch,
        db_constraint=False,
        verbose_name=_("来源批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    scope_division_path = "division__path"

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        ordering = ["number"]
        indexes = [
            models.Index(
                fields=["superseded_by"],
                condition=models.Q(superseded_by__isnull=False),
                name="household_superseded_by",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(superseded_by__isnull=True) | models.Q(closed_at__isnull=False),
                name="household_superseded_only_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Membership(Fact):
    """A person's place in a household over a period; a member living apart is kept, not counted."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("家庭"),
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("成员"),
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    relation = models.CharField(
        _("与户主关系"),
        max_length=12,
        choices=labels.choices(schema.RELATIONS, labels.RELATIONS),
    )
    apart_reason = models.CharField(
        _("不计入原因"),
        max_length=20,
        blank=True,
        default="",
        choices=labels.choices(schema.APART_REASONS, labels.APART_REASONS),
    )
    valid_from = models.DateField(_("起始日期"), null=True, blank=True)
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    # Not unique, and not indexed: a membership is found by its person (one current at a
    # time, ``membership_one_current_household_per_person``), never by its fingerprint. A
    # unique fingerprint guarded nothing the person's constraint does not: a membership
    # stated again while current is unchanged, and one stated again after it ended is
    # recorded again. Its unique index was one random key more for every member a register
    # writes (some 5 % of importing 1,000,000 register rows into PostgreSQL).
    fingerprint = DigestField(_("去重指纹"))

    scope_division_path = "household__division__path"

    class Meta(Fact.Meta):
        verbose_name = _("家庭成员关系")
        verbose_name_plural = _("家庭成员关系")
        ordering = ["household", "id"]
        constraints = [
            # A person belongs to one household at a time: a move ends one membership first.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(closed_at__isnull=True, valid_to__isnull=True),
                name="membership_one_current_household_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="membership_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}/{self.person_id} {self.relation}"


class Income(Fact):
    """Income of one kind over a period (total yuan for the period)."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="incomes",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("家庭"),
        null=True,
        blank=True,
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="incomes",
    )
    kind = models.CharField(
        _("收入类型"),
        max_length=24,
        choices=labels.choices(schema.INCOME_KINDS, labels.INCOME_KINDS),
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    period_start = models.DateField(_("所属期起"))
    period_end = models.DateField(_("所属期止"))

    scope_division_path = "person__residence_division__path"

    class Meta(Fact.Meta):
        verbose_name = _("收入")
        verbose_name_plural = _("收入")
        ordering = ["person", "period_start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="income_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.period_start}–{self.period_end})"


class Asset(Fact):
    """A financial asset, vehicle, home or business role of a household member."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("家庭"),
        null=True,
        blank=True,
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="assets",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="assets",
    )
    kind = models.CharField(
        _("财产类型"),
        max_length=24,
        choices=labels.choices(labels.ASSET_KIND_VALUES, labels.ASSET_KINDS),
    )
    reference = models.CharField(_("登记编号"), max_length=64, blank=True, default="")
    value = models.DecimalField(
        _("价值（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    floor_area = models.DecimalField(
        _("建筑面积（㎡）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    housing_grade = models.CharField(
        _("危房等级"),
        max_length=1,
        blank=True,
        default="",
        choices=labels.choices(("", "C", "D"), labels.HOUSING_GRADES),
    )
    business_role = models.CharField(
        _("企业任职"),
        max_length=24,
        blank=True,
        default="",
        choices=labels.choices(schema.BUSINESS_ROLES, labels.BUSINESS_ROLES),
    )
    business_operating = models.BooleanField(_("企业正常经营或雇工"), null=True, blank=True)
    as_of = models.DateField(_("数据日期"))

    scope_division_path = "person__residence_division__path"

    class Meta(Fact.Meta):
        verbose_name = _("财产")
        verbose_name_plural = _("财产")
        ordering = ["person", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=0),
                name="asset_value_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(floor_area__isnull=True) | models.Q(floor_area__gte=0),
                name="asset_floor_area_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}".strip()


class Expenditure(Fact):
    """Rigid spending: medical out-of-pocket, education, rehabilitation."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("家庭"),
        null=True,
        blank=True,
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="expenditures",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="expenditures",
    )
    kind = models.CharField(
        _("支出类型"),
        max_length=16,
        choices=labels.choices(schema.EXPENDITURE_KINDS, labels.EXPENDITURE_KINDS),
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    date = models.DateField(_("发生日期"))
    reference = models.CharField(_("单据编号"), max_length=64, blank=True, default="")

    scope_division_path = "person__residence_division__path"

    class Meta(Fact.Meta):
        verbose_name = _("刚性支出")
        verbose_name_plural = _("刚性支出")
        ordering = ["person", "date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="expenditure_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.date})"


class LifeEvent(Fact):
    """Something that happened to a person: a birth, death, diagnosis, job loss, disaster …"""

    household = models.ForeignKey(
        Household,
        verbose_name=_("家庭"),
        null=True,
        blank=True,
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="life_events",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="life_events",
    )
    kind = models.CharField(
        _("事件类型"),
        max_length=24,
        choices=labels.choices(schema.EVENT_KINDS, labels.EVENT_KINDS),
    )
    date = models.DateField(_("发生日期"))
    amount = models.DecimalField(
        _("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    detail = models.CharField(_("说明"), max_length=200, blank=True, default="")

    scope_division_path = "person__residence_division__path"

    class Meta(Fact.Meta):
        verbose_name = _("生活事件")
        verbose_name_plural = _("生活事件")
        ordering = ["person", "date"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.date})"


class Enrolment(Fact):
    """Current or past receipt of a programme (household programmes leave ``person`` empty)."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("家庭"),
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    programme = models.CharField(
        _("救助项目"),
        max_length=24,
        choices=labels.choices(schema.PROGRAMMES, labels.PROGRAMMES),
    )
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("终止日期"), null=True, blank=True)
    monthly_amount = models.DecimalField(
        _("月救助金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    scope_division_path = "household__division__path"

    class Meta(Fact.Meta):
        verbose_name = _("救助享受")
        verbose_name_plural = _("救助享受")
        ordering = ["household", "programme", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="enrolment_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_amount__isnull=True) | models.Q(monthly_amount__gte=0),
                name="enrolment_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} ({self.start_date}–{self.end_date or ''})"
