"""Forms of the registry pages: search, household registration, members, facts, full-ID view."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.engine import schema
from minzheng.registry import labels
from minzheng.registry.models import (
    Asset,
    Enrolment,
    Expenditure,
    Income,
    LifeEvent,
    Membership,
    Person,
)

BLANK: list[tuple[str, Any]] = [("", "—")]


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget, and ``is-invalid`` on fields with errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def style_widgets(self) -> None:
        """Give each widget its Bootstrap class (again after fields were added: idempotent)."""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            classes = widget.attrs.get("class", "").split()
            if css not in classes:
                widget.attrs["class"] = " ".join([*classes, css])
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid"

    def add_service_error(self, error: Any) -> None:
        """Show a service's ``ValidationError`` (field errors where the field exists)."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


# --- search ------------------------------------------------------------------------------------


class HouseholdSearchForm(BootstrapForm):
    q = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("姓名、身份证号码（完整或后四位）、家庭编号或住址"),
                "autofocus": True,
            }
        ),
    )
    division = forms.CharField(
        label=_("行政区划"),
        required=False,
        max_length=12,
        widget=forms.TextInput(
            attrs={"placeholder": _("区划代码或名称"), "list": "division-options"}
        ),
    )
    area_type = forms.ChoiceField(
        label=_("城乡类型"),
        required=False,
        choices=[("", _("全部")), *labels.choices(("urban", "rural"), labels.AREA_TYPES)],
    )
    programme = forms.ChoiceField(
        label=_("救助项目"),
        required=False,
        choices=[("", _("全部")), *labels.choices(schema.PROGRAMMES, labels.PROGRAMMES)],
    )
    include_closed = forms.BooleanField(label=_("含已注销家庭"), required=False)

    def clean_division(self) -> str:
        return str(self.cleaned_data.get("division") or "").strip().split(" ")[0]


# --- persons -----------------------------------------------------------------------------------


def _blank_first(field: forms.Field) -> forms.Field:
    """Replace Django's English "Select an option" blank choice: "请选择" when required, else "—"."""
    if isinstance(field, forms.ChoiceField):
        blank = [("", _("请选择"))] if field.required else BLANK
        existing: list[tuple[Any, Any]] = list(field.choices)  # type: ignore[arg-type]
        field.choices = [*blank, *((v, lbl) for v, lbl in existing if v not in ("", None))]
    return field


def _person_field(name: str, **kwargs: Any) -> forms.Field:
    field = Person._meta.get_field(name).formfield(**kwargs)  # type: ignore[union-attr]
    assert field is not None
    field.required = False
    return _blank_first(field)


class PersonFieldsForm(BootstrapForm):
    """The resident's ID number, name and the attributes a worker records at the counter."""

    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("18位，末位可为X")}),
    )
    name = forms.CharField(label=_("姓名"), max_length=60)
    birth_date = forms.DateField(
        label=_("出生日期"), required=False, help_text=_("可不填；填写时须与身份证号码一致")
    )
    sex = forms.ChoiceField(
        label=_("性别"),
        required=False,
        choices=[*BLANK, *labels.choices(schema.SEXES, labels.SEXES)],
        help_text=_("可不填；填写时须与身份证号码一致"),
    )
    disability_kind = _person_field("disability_kind")
    disability_grade = _person_field("disability_grade")
    self_care_items_lost = forms.IntegerField(
        label=_("生活自理能力丧失项数"), required=False, min_value=0, max_value=6
    )
    work_capacity = _person_field("work_capacity")
    school_status = _person_field("school_status")
    employment_status = _person_field("employment_status")
    major_illness = forms.BooleanField(label=_("患重特大疾病"), required=False)

    PERSON_ATTRIBUTE_FIELDS = (
        "disability_kind",
        "disability_grade",
        "self_care_items_lost",
        "work_capacity",
        "school_status",
        "employment_status",
        "major_illness",
    )

    def clean_disability_grade(self) -> int | None:
        value = self.cleaned_data.get("disability_grade")
        return int(value) if value not in (None, "") else None

    def person_attributes(self) -> dict[str, Any]:
        """The attributes the worker filled in (blank ones are left out, not cleared)."""
        data = self.cleaned_data
        return {
            name: data[name]
            for name in self.PERSON_ATTRIBUTE_FIELDS
            if data.get(name) not in (None, "", False)
        }

    def stated_identity(self) -> dict[str, Any]:
        """Birth date and sex as the worker read them (None when not given)."""
        return {
            "birth_date": self.cleaned_data.get("birth_date"),
            "sex": self.cleaned_data.get("sex") or None,
        }


class HouseholdCreateForm(PersonFieldsForm):
    """A new household: its village and address, and the head as a resident."""

    division = forms.ChoiceField(label=_("所在村(社区)"))
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    area_type = forms.ChoiceField(
        label=_("城乡类型"),
        required=False,
        choices=[("", _("按所在村(社区)")), *labels.choices(("urban", "rural"), labels.AREA_TYPES)],
    )
    valid_from = forms.DateField(label=_("建档日期"), required=False)

    field_order = ["division", "address", "area_type", "valid_from", "id_number", "name"]

    def __init__(self, *args: Any, villages: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for village in villages:
            township = village.parent.name if village.parent else ""
            groups.setdefault(township, []).append(
                (village.code, f"{village.name}（{village.code}）")
            )
        choices: list[tuple[str, Any]] = [("", _("请选择")), *groups.items()]
        self.fields["division"].choices = choices  # type: ignore[attr-defined]


class MemberAddForm(PersonFieldsForm):
    """A member joining a household, with their relation and whether they are counted."""

    relation = forms.ChoiceField(
        label=_("与户主关系"),
        choices=[
            (v, lbl) for v, lbl in labels.choices(schema.RELATIONS, labels.RELATIONS) if v != "head"
        ],
    )
    apart_reason = forms.ChoiceField(
        label=_("是否计入共同生活家庭成员"),
        required=False,
        choices=labels.choices(schema.APART_REASONS, labels.APART_REASONS),
        help_text=_(
            "服刑、强制隔离戒毒、宗教教职人员连续三年以上脱离家庭、宣告失踪的成员登记但不计入"
        ),
    )
    valid_from = forms.DateField(label=_("加入日期"), required=False)

    field_order = ["id_number", "name", "relation", "apart_reason", "valid_from"]


# --- facts -------------------------------------------------------------------------------------

FACT_FORM_FIELDS: dict[str, tuple[type[Model], tuple[str, ...]]] = {
    "income": (Income, ("kind", "amount", "period_start", "period_end")),
    "asset": (
        Asset,
        (
            "kind",
            "reference",
            "value",
            "floor_area",
            "housing_grade",
            "business_role",
            "business_operating",
            "as_of",
        ),
    ),
    "expenditure": (Expenditure, ("kind", "amount", "date", "reference")),
    "life_event": (LifeEvent, ("kind", "date", "amount", "detail")),
    "enrolment": (Enrolment, ("programme", "start_date", "end_date", "monthly_amount")),
}


class MemberChoiceField(forms.ModelChoiceField):
    """A member shown by name and masked ID number."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.id_number_masked}）"


class FactForm(BootstrapForm):
    """One fact about a member (or, for an enrolment, the whole household).

    The fields are the model's own (labels, choices and limits from ``models.py``).
    """

    person = MemberChoiceField(label=_("家庭成员"), queryset=Person.objects.none())

    def __init__(self, *args: Any, kind: str, members: list[Membership], **kwargs: Any) -> None:
        model, names = FACT_FORM_FIELDS[kind]
        self.kind = kind
        super().__init__(*args, **kwargs)
        person_field = self.fields["person"]
        assert isinstance(person_field, forms.ModelChoiceField)
        person_field.queryset = Person.objects.filter(pk__in=[m.person_id for m in members])
        person_field.empty_label = _("请选择")
        if kind == "enrolment":
            person_field.required = False
            person_field.empty_label = _("整户享受")
            person_field.label = _("享受人员")
        for name in names:
            field = model._meta.get_field(name).formfield()  # type: ignore[union-attr]
            assert field is not None
            if isinstance(field, forms.DecimalField) and not (
                kind == "income" and name == "amount"
            ):
                # Net business income may be negative; no other amount may.
                field.validators.append(MinValueValidator(Decimal(0)))
                field.widget.attrs["min"] = "0"
            _blank_first(field)
            if isinstance(field, forms.NullBooleanField):
                field.widget = forms.Select(
                    choices=[("unknown", "—"), ("true", _("是")), ("false", _("否"))]
                )
            self.fields[name] = field
        if not self.is_bound:
            today = timezone.localdate()
            for name in ("as_of", "date", "start_date"):
                if name in self.fields:
                    self.initial.setdefault(name, today)
        self.style_widgets()

    def values(self) -> dict[str, Any]:
        """The fact's fields for ``fact_record`` (the person goes separately)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "person"}


class RevealForm(BootstrapForm):
    """Why the full ID number is needed (required; written to the audit trail)."""

    purpose = forms.CharField(
        label=_("查看用途"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": _("如：入户核查、办理低保申请"), "autocomplete": "off"}
        ),
    )

    def clean_purpose(self) -> str:
        purpose = self.cleaned_data["purpose"].strip()
        if len(purpose) < 2:
            raise forms.ValidationError(_("请具体说明查看用途"))
        return purpose


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("原因"), max_length=200)
