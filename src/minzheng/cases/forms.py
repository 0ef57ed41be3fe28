"""Forms of the case pages. Every step form carries the case ``version`` the worker saw."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.models import OrgUnit
from minzheng.cases import uploads
from minzheng.cases.assessment import CASE_PROGRAMMES
from minzheng.cases.models import Case, CaseDocument, Referral
from minzheng.engine.programmes import BY_NAME

TEXTAREA = forms.Textarea(attrs={"rows": 3, "class": "form-control"})
TEXT = forms.TextInput(attrs={"class": "form-control"})
DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
SELECT = forms.Select(attrs={"class": "form-select"})


class StepForm(forms.Form):
    """A step of the procedure: the version the worker saw rides along."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReasonForm(StepForm):
    reason = forms.CharField(label=_("理由"), widget=TEXTAREA, max_length=2000)


class OpenForm(forms.Form):
    origin = forms.ChoiceField(
        label=_("案件来源"),
        choices=[
            (Case.Origin.WINDOW, _("窗口申请")),
            (Case.Origin.REFERRAL, _("部门转介（如医保、教育、残联转来）")),
        ],
        initial=Case.Origin.WINDOW,
        widget=forms.RadioSelect,
    )
    programmes = forms.MultipleChoiceField(
        label=_("申请救助项目"),
        choices=[(p, BY_NAME[p].label) for p in CASE_PROGRAMMES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("不选即按全部项目一并评估（一次申请，综合救助）。"),
    )
    applicant_phone = forms.CharField(
        label=_("联系电话"), max_length=20, required=False, widget=TEXT
    )
    origin_note = forms.CharField(label=_("申请事由"), max_length=200, required=False, widget=TEXT)


class AcceptForm(StepForm):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    completeness = forms.ChoiceField(
        label=_("申请材料"),
        choices=[
            (COMPLETE, _("材料齐全，予以受理")),
            (INCOMPLETE, _("材料不全，一次性告知需补齐的材料")),
        ],
        widget=forms.RadioSelect,
        initial=COMPLETE,
    )
    missing = forms.CharField(
        label=_("需补齐的材料（每行一项，须一次列全）"),
        widget=TEXTAREA,
        required=False,
        max_length=2000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("completeness") == self.INCOMPLETE and not self.missing_items():
            self.add_error("missing", _("请一次性列明需补齐的全部材料。"))
        return data

    def missing_items(self) -> list[str]:
        text = self.cleaned_data.get("missing", "") if hasattr(self, "cleaned_data") else ""
        return [line.strip(" 　-•、") for line in text.splitlines() if line.strip(" 　-•、")]


class CheckForm(StepForm):
    summary = forms.CharField(
        label=_("核对情况（与部门数据比对的结论）"), widget=TEXTAREA, max_length=4000
    )


class VisitForm(StepForm):
    visited_on = forms.DateField(label=_("入户日期"), widget=DATE)
    notes = forms.CharField(label=_("入户调查记录"), widget=TEXTAREA, max_length=8000)

    def clean_visited_on(self) -> Any:
        value = self.cleaned_data["visited_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("入户日期不能晚于今天。"))
        return value


class ReviewForm(StepForm):
    recommendation = forms.ChoiceField(
        label=_("初审结论"), choices=Case.Recommendation.choices, widget=forms.RadioSelect
    )
    opinion = forms.CharField(label=_("初审意见"), widget=TEXTAREA, max_length=4000)
    reason = forms.CharField(
        label=_("拟不予救助的理由"), widget=TEXTAREA, max_length=2000, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("recommendation") == Case.Recommendation.REFUSE and not data.get("reason"):
            self.add_error("reason", _("拟不予救助须写明理由。"))
        return data


class EndNoticeForm(StepForm):
    objections = forms.CharField(
        label=_("公示期间的意见（无则留空）"), widget=TEXTAREA, max_length=2000, required=False
    )


class DecideForm(StepForm):
    decision = forms.ChoiceField(
        label=_("审核确认结果"), choices=Case.Decision.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(label=_("审核确认意见（书面理由）"), widget=TEXTAREA, max_length=4000)
    gradual_exit = forms.BooleanField(
        label=_("复核不再符合条件系因成员就业增收：原救助进入渐退期"), required=False
    )


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("材料类型"),
        choices=[(k, v) for k, v in CaseDocument.Kind.choices if k != CaseDocument.Kind.GENERATED],
        widget=SELECT,
    )
    file = forms.FileField(
        label=_("文件"),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": uploads.ACCEPT_ATTR}
        ),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False, widget=TEXT)


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label=_("转介事项"), choices=Referral.Kind.choices, widget=SELECT)
    to_org_unit = forms.ModelChoiceField(
        label=_("接收单位"),
        queryset=OrgUnit.objects.none(),
        widget=SELECT,
    )
    need = forms.CharField(label=_("需求说明"), widget=TEXTAREA, max_length=2000)
    due_on = forms.DateField(
        label=_("办理期限"), widget=DATE, required=False, help_text=_("留空按默认工作日期限计算。")
    )
    consent_file = forms.FileField(
        label=_("信息共享同意书（转介社会组织、慈善组织时必传）"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": uploads.ACCEPT_ATTR}
        ),
    )
    consent_note = forms.CharField(
        label=_("同意情况说明"), max_length=200, required=False, widget=TEXT
    )

    def __init__(self, *args: Any, receivers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if receivers is not None:
            self.fields["to_org_unit"].queryset = receivers  # type: ignore[attr-defined]


class ReferralAnswerForm(forms.Form):
    action = forms.ChoiceField(
        label=_("办理"),
        choices=[
            ("accept", _("接收")),
            ("start", _("开始办理")),
            ("finish", _("办结并反馈结果")),
            ("decline", _("退回（说明理由）")),
            ("withdraw", _("撤回转介")),
        ],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("办理结果或理由"), widget=TEXTAREA, max_length=4000, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PaymentRollForm(forms.Form):
    county = forms.CharField(label=_("区县"), widget=SELECT)
    month = forms.CharField(
        label=_("发放月份"),
        widget=forms.DateInput(attrs={"type": "month", "class": "form-control"}),
    )

    def __init__(self, *args: Any, counties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].widget = forms.Select(
            attrs={"class": "form-select"}, choices=counties
        )
        self.counties = dict(counties)

    def clean_county(self) -> str:
        code = self.cleaned_data["county"]
        if code not in self.counties:
            raise forms.ValidationError(_("请选择您权限范围内的区县。"))
        return code

    def clean_month(self) -> Any:
        raw = self.cleaned_data["month"]
        try:
            return dt.date.fromisoformat(f"{raw}-01")
        except ValueError:
            raise forms.ValidationError(_("请按“年-月”选择月份。")) from None
