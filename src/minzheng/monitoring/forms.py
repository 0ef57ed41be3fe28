"""Forms of dynamic monitoring: worklist filters, dismissal, the hardship report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.scope import restrict
from minzheng.divisions.models import Division
from minzheng.monitoring.models import Alert
from minzheng.monitoring.selectors import REPORT_ACTION
from minzheng.registry.models import Household

STATUS_CHOICES = [
    ("active", _("待办（待核查、核查中）")),
    ("", _("全部状态")),
    *Alert.Status.choices,
]


class AlertFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *Alert.Kind.choices]
    )
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_CHOICES)
    division = forms.CharField(
        label=_("区划代码"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"placeholder": _("如 500101001")}),
    )
    overdue = forms.BooleanField(label=_("只看超期"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("kind", "status"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["division"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["overdue"].widget.attrs["class"] = "form-check-input"


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("排除原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写明核查结论，例如：经入户核实，家庭收入已超过标准。"),
    )


class ReportForm(forms.Form):
    """发现报告: who, where, what; the household number only when the reporter knows it."""

    division = forms.ModelChoiceField(
        label=_("所在村(社区)"), queryset=Division.objects.none(), empty_label=_("请选择")
    )
    household_number = forms.CharField(
        label=_("家庭编号（已登记的家庭）"), required=False, max_length=24
    )
    person_name = forms.CharField(label=_("姓名"), required=False, max_length=60)
    id_number = forms.CharField(label=_("身份证号码（可不填）"), required=False, max_length=18)
    description = forms.CharField(
        label=_("困难情况"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明看到的困难：如家中有人重病住院、失去收入、遭遇灾害等。"),
    )
    contact = forms.CharField(label=_("联系方式"), required=False, max_length=60)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        villages = restrict(
            Division.objects.filter(level=Division.Level.VILLAGE, valid_to__isnull=True),
            user,
            REPORT_ACTION,
        ).order_by("path")
        self.fields["division"].queryset = villages  # type: ignore[attr-defined]
        self.household: Household | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = (data.get("household_number") or "").strip()
        if number:
            # Only a household in the reporter's scope can be named by its number.
            self.household = (
                restrict(Household.objects.all(), self.user, REPORT_ACTION)
                .filter(number=number, closed_at__isnull=True)
                .select_related("division")
                .first()
            )
            if self.household is None:
                self.add_error("household_number", _("在您负责的范围内找不到这个家庭编号。"))
        elif not (data.get("person_name") or "").strip():
            self.add_error("person_name", _("请填写姓名，或填写已登记的家庭编号。"))
        return data


class AsOfForm(forms.Form):
    """The day the household's outcome is evaluated for (today when blank or not a date)."""

    as_of = forms.DateField(
        label=_("评估日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )

    def day(self, today: dt.date) -> dt.date:
        chosen: dt.date | None = self.cleaned_data["as_of"] if self.is_valid() else None
        return chosen or today
