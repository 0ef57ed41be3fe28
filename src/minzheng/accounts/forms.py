"""Forms for signing in and for the administration pages. They parse; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.models import BusinessLine, OrgUnit, Role
from minzheng.accounts.permissions import ACTIONS


class BootstrapMixin:
    """Give every widget Bootstrap's classes."""

    fields: dict[str, forms.Field]

    def style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class LoginForm(BootstrapMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("账号或密码不正确。连续输错多次后账号将被临时锁定。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("账号")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "placeholder": _("请输入账号")}
        )
        self.fields["password"].label = _("密码")
        self.fields["password"].widget.attrs.update({"placeholder": _("请输入密码")})
        self.style()


class TokenForm(BootstrapMixin, forms.Form):
    token = forms.CharField(
        label=_("6 位验证码"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def clean_token(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["token"] if ch.isdigit())
        if len(digits) != 6:
            raise forms.ValidationError(_("请输入验证器上显示的 6 位数字。"))
        return digits


class ChangePasswordForm(BootstrapMixin, PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("当前密码")
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password1"].help_text = ""
        self.fields["new_password2"].label = _("再次输入新密码")
        self.style()

    @staticmethod
    def rules() -> list[str]:
        return list(password_validators_help_texts())


def division_code_from(text: str) -> str:
    """The code typed or picked: "万州区（500101）" and "500101" both give "500101"."""
    text = text.strip()
    if "（" in text and text.endswith("）"):
        return text.rsplit("（", 1)[1][:-1]
    return text


# --- administration -----------------------------------------------------------------------------


class UserFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    org_unit = forms.CharField(label=_("机构（编码或名称）"), required=False)
    role = forms.ChoiceField(label=_("角色"), required=False)
    active = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("1", _("在用")), ("0", _("已停用"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("账号、姓名或电话")
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [("", _("全部角色"))] + [
            (r.code, r.name) for r in Role.objects.order_by("code")
        ]
        self.style()


class OrgUnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.division.name}）"


class UserForm(BootstrapMixin, forms.Form):
    """Create (with a first password) or edit a user."""

    username = forms.CharField(label=_("账号"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    org_unit = OrgUnitChoiceField(label=_("所在机构"), queryset=OrgUnit.objects.none())
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, org_units: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_unit_field = self.fields["org_unit"]
        assert isinstance(org_unit_field, forms.ModelChoiceField)
        org_unit_field.queryset = org_units
        if editing:
            del self.fields["password"]
            self.fields["username"].disabled = True
        self.style()


class SetPasswordForm(BootstrapMixin, forms.Form):
    password = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class AssignmentForm(BootstrapMixin, forms.Form):
    role = forms.ModelChoiceField(label=_("角色"), queryset=Role.objects.order_by("code"))
    division = forms.CharField(
        label=_("管辖区划"),
        help_text=_("输入区划代码或名称，从候选中选择"),
        max_length=100,
    )
    business_line = forms.ChoiceField(
        label=_("业务条线"),
        required=False,
        choices=[("", _("全部条线")), *BusinessLine.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].widget.attrs.update(
            {"list": "division-options", "autocomplete": "off", "placeholder": _("如 500101")}
        )
        self.style()

    def division_code(self) -> str:
        return division_code_from(self.cleaned_data["division"])


class RoleForm(BootstrapMixin, forms.Form):
    code = forms.SlugField(label=_("角色编码"), max_length=40)
    name = forms.CharField(label=_("角色名称"), max_length=60)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    actions = forms.MultipleChoiceField(
        label=_("权限"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        choices=[(code, label) for code, label in ACTIONS.items()],
    )
    requires_two_factor = forms.BooleanField(label=_("须双因素认证"), required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
        self.style()


class OrgUnitFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    kind = forms.ChoiceField(
        label=_("机构类型"), required=False, choices=[("", _("全部类型")), *OrgUnit.Kind.choices]
    )
    division = forms.CharField(label=_("区划代码"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("名称或编码")
        self.style()


class OrgUnitForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("机构编码"), max_length=40)
    name = forms.CharField(label=_("机构名称"), max_length=120)
    kind = forms.ChoiceField(
        label=_("机构类型"),
        choices=[
            (OrgUnit.Kind.SOCIAL_ORGANIZATION, OrgUnit.Kind.SOCIAL_ORGANIZATION.label),
            (OrgUnit.Kind.CHARITY, OrgUnit.Kind.CHARITY.label),
            (OrgUnit.Kind.PARTNER_AGENCY, OrgUnit.Kind.PARTNER_AGENCY.label),
            (OrgUnit.Kind.AFFILIATED_UNIT, OrgUnit.Kind.AFFILIATED_UNIT.label),
            (OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.DEPARTMENT.label),
            (OrgUnit.Kind.COUNTY_BUREAU, OrgUnit.Kind.COUNTY_BUREAU.label),
            (OrgUnit.Kind.SERVICE_STATION, OrgUnit.Kind.SERVICE_STATION.label),
            (OrgUnit.Kind.VILLAGE_COMMITTEE, OrgUnit.Kind.VILLAGE_COMMITTEE.label),
        ],
    )
    division = forms.CharField(
        label=_("所在区划"), max_length=100, help_text=_("输入区划代码或名称，从候选中选择")
    )
    business_line = forms.ChoiceField(
        label=_("业务条线"),
        required=False,
        choices=[("", _("不限")), *BusinessLine.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].widget.attrs.update(
            {"list": "division-options", "autocomplete": "off", "placeholder": _("如 500101")}
        )
        self.style()

    def division_code(self) -> str:
        return division_code_from(self.cleaned_data["division"])


class ApiTokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("用途"), max_length=80, help_text=_("如：市医保局结算系统对接"))
    user = forms.CharField(label=_("令牌代表的账号"), max_length=150)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
