"""The auditor's filter form (GET): parses the query string into ``EventFilters``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.audit.selectors import EventFilters


class EventFilterForm(forms.Form):
    """Filters for the audit trail; every field is optional."""

    actor = forms.CharField(
        label=_("操作人"), required=False, help_text=_("账号（完全一致）或姓名（包含）")
    )
    subject_key = forms.CharField(
        label=_("当事人索引"),
        required=False,
        max_length=64,
        help_text=_("当事人身份证号的索引值（由人口信息库计算）"),
    )
    object_type = forms.CharField(
        label=_("对象类型"), required=False, max_length=60, help_text=_("如 accounts.user")
    )
    object_id = forms.CharField(label=_("对象标识"), required=False, max_length=64)
    org_unit = forms.CharField(label=_("操作机构编码"), required=False, max_length=40)
    division = forms.CharField(
        label=_("区划代码"), required=False, max_length=12, help_text=_("含下级区划")
    )
    action = forms.CharField(
        label=_("操作"),
        required=False,
        max_length=60,
        help_text=_("完全一致；以“.”结尾时按前缀匹配，如 user."),
    )
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return cleaned

    def filters(self) -> EventFilters | None:
        """The filters asked for; None when the input is invalid (the page shows the errors)."""
        if not self.is_bound:
            return EventFilters()
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return EventFilters(
            actor=data.get("actor") or "",
            subject_key=data.get("subject_key") or "",
            object_type=data.get("object_type") or "",
            object_id=data.get("object_id") or "",
            org_unit=data.get("org_unit") or "",
            division=data.get("division") or "",
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
