"""The upload form: which feed, which division the batch belongs to, and the file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.divisions.models import Division
from minzheng.registry.forms import BootstrapForm
from minzheng.registry.ingest.selectors import FeedChoice


class ImportForm(BootstrapForm):
    feed = forms.ChoiceField(label=_("数据源"))
    division = forms.ChoiceField(
        label=_("所属区划"),
        help_text=_("批次归属的区划：在该区划有导入权限的人员可以查看此批次。"),
    )
    file = forms.FileField(
        label=_("文件"),
        help_text=_(
            "支持 .xlsx、.csv（UTF-8 或 GBK 编码）和 .json；表头用部门原始列名，标题行可保留。"
        ),
    )

    def __init__(
        self,
        *args: Any,
        feeds: Sequence[FeedChoice],
        divisions: Sequence[Division],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feed"].choices = [("", "—")] + [(f.spec.code, f.spec.name) for f in feeds]  # type: ignore[attr-defined]
        self.fields["division"].choices = [(d.code, f"{d.name}（{d.code}）") for d in divisions]  # type: ignore[attr-defined]
        self.divisions = {d.code: d for d in divisions}

    def chosen_division(self) -> Division:
        return self.divisions[self.cleaned_data["division"]]
