"""Forms of the division pages: the map's date, recording a change, applying one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from minzheng.divisions.models import DivisionChange, DivisionChangeItem

ITEMS_HELP = _(
    "JSON 数组，每项一个操作："
    '{"op": "create", "key": "xinqu", "name": "…", "level": "county", "parent": "500000"}；'
    '{"op": "rename", "code": "…", "name": "…"}；'
    '{"op": "transfer", "codes": ["…"] 或 "children_of": "…", "except": ["…"], '
    '"to": "代码" 或 "new:xinqu"}；'
    '{"op": "retire", "code": "…", "successor": "代码" 或 "new:xinqu"}。'
    "新设单位的代码在实施时由管理员录入。"
)


class MapQueryForm(forms.Form):
    """Which divisions the map counts by: today's, or those in force on a date."""

    mode = forms.ChoiceField(
        label=_("区划口径"),
        choices=[("current", _("按现行区划")), ("history", _("按历史区划（日期）"))],
        initial="current",
        required=False,
    )
    as_of = forms.DateField(label=_("日期"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["mode"] = data.get("mode") or "current"
        if data["mode"] == "history" and not data.get("as_of"):
            raise ValidationError(_("按历史区划统计须选择日期。"))
        return data


class ChangeRecordForm(forms.Form):
    """A division change to record as a draft: a change file, or the fields typed in."""

    file = forms.FileField(
        label=_("变更文件（JSON）"),
        required=False,
        help_text=_("如 divisions/changes/2025-lianjiang.json；上传文件时忽略下列各项。"),
    )
    kind = forms.ChoiceField(
        label=_("变更类型"), choices=DivisionChange.Kind.choices, required=False
    )
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    approved_on = forms.DateField(label=_("批准日期"), required=False)
    effective_on = forms.DateField(label=_("生效日期"), required=False)
    document = forms.CharField(label=_("批准文件"), max_length=200, required=False)
    doc_number = forms.CharField(label=_("文号"), max_length=60, required=False)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    items = forms.CharField(
        label=_("变更事项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        help_text=ITEMS_HELP,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload:
            try:
                spec = json.loads(upload.read().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise ValidationError(_("变更文件不是有效的 JSON：%(e)s") % {"e": exc}) from exc
            if not isinstance(spec, dict):
                raise ValidationError(_("变更文件应为一个 JSON 对象。"))
            data["spec"] = spec
            return data
        missing = [
            str(self.fields[name].label)
            for name in ("kind", "title", "effective_on", "items")
            if not data.get(name)
        ]
        if missing:
            raise ValidationError(_("未上传文件时须填写：%(f)s") % {"f": "、".join(missing)})
        try:
            items = json.loads(data["items"])
        except json.JSONDecodeError as exc:
            self.add_error("items", _("不是有效的 JSON：%(e)s") % {"e": exc})
            return data
        if not isinstance(items, list):
            self.add_error("items", _("应为 JSON 数组。"))
            return data
        data["spec"] = {
            "kind": data["kind"],
            "title": data["title"],
            "approved_on": data.get("approved_on"),
            "effective_on": data["effective_on"],
            "document": data.get("document", ""),
            "doc_number": data.get("doc_number", ""),
            "description": data.get("description", ""),
            "items": items,
        }
        return data

    def spec(self) -> dict[str, Any]:
        """The change spec for ``services.change_record``."""
        return dict(self.cleaned_data["spec"])


class ChangeApplyForm(forms.Form):
    """The codes of the units a change creates, entered by the administrator, and a confirmation."""

    confirm = forms.BooleanField(
        label=_("已核对预览，确认按生效日期实施此变更（实施后不可撤回，更正须另行登记变更）"),
        required=True,
    )

    def __init__(
        self, *args: Any, creates: Sequence[DivisionChangeItem] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.creates = list(creates)
        for item in self.creates:
            self.fields[f"code_{item.key}"] = forms.CharField(
                label=_("“%(name)s”的区划代码") % {"name": item.name},
                max_length=12,
                initial=item.new_code,
                help_text=_("请录入批准文件或国家标准公布的代码；平台不会自行编制代码。"),
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            )
        # The confirmation comes last, after the codes.
        self.order_fields([f"code_{item.key}" for item in self.creates] + ["confirm"])

    def new_codes(self) -> dict[str, str]:
        return {item.key: self.cleaned_data[f"code_{item.key}"].strip() for item in self.creates}
