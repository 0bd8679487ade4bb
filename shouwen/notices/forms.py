"""The page forms of notices: writing a notice (units typed as 3-2-1502), withdrawing, the board, a file."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwen.directory.models import Building, Estate, Unit
from shouwen.notices.models import Audience, Notice
from shouwen.notices.services import NoticeInput, unit_label


def parse_units(estate: Estate, text: str) -> tuple[list[Unit], list[str]]:
    """Read units typed as ``3-2-1502`` (building-entrance-number) or ``1-101``; return (units, not found)."""
    found: list[Unit] = []
    missing: list[str] = []
    for raw in re.split(r"[\s,，、;；]+", text.strip()):
        if not raw:
            continue
        parts = raw.split("-")
        qs = Unit.objects.filter(building__estate=estate, building__code=parts[0]).select_related("building")
        if len(parts) == 3:
            unit = qs.filter(entrance=parts[1], number=parts[2]).first()
        elif len(parts) == 2:
            unit = qs.filter(number=parts[1]).first()
        else:
            unit = None
        if unit is None:
            missing.append(raw)
        elif unit not in found:
            found.append(unit)
    return found, missing


def units_text(units: Any) -> str:
    """The units of a notice as the form shows them."""
    return " ".join(
        "-".join(p for p in (u.building.code, u.entrance, u.number) if p)
        for u in units.select_related("building")
    )


class NoticeForm(forms.Form):
    """Write or change a notice."""

    estate = forms.ModelChoiceField(label=_("小区"), queryset=Estate.objects.none(), empty_label=None)
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 10}))
    audience = forms.ChoiceField(
        label=_("通知范围"), choices=Audience.choices, initial=Audience.ESTATE, widget=forms.RadioSelect
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("楼栋"), queryset=Building.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    units = forms.CharField(
        label=_("房屋"),
        required=False,
        help_text=_("楼栋-单元-房号，多户用空格分开，例如 3-2-1502 3-1-0801"),
        widget=forms.TextInput(attrs={"placeholder": "3-2-1502 3-1-0801"}),
    )
    valid_from = forms.DateField(
        label=_("有效期自"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("有效期至"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("不填表示长期有效"),
    )
    sms = forms.BooleanField(label=_("同时发送短信（不接收通知短信的住户除外）"), required=False)
    sms_text = forms.CharField(
        label=_("短信内容"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, estates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates  # type: ignore[attr-defined]
        self.fields["buildings"].queryset = Building.objects.filter(estate__in=estates).order_by(  # type: ignore[attr-defined]
            "estate__code", "code"
        )
        self.fields["buildings"].label_from_instance = lambda b: f"{b.estate.name} {b.name}"  # type: ignore[attr-defined]
        if not self.is_bound:
            self.fields["valid_from"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        estate = data.get("estate")
        if estate is not None:
            units, missing = parse_units(estate, data.get("units") or "")
            if missing:
                self.add_error("units", _("没有这些房屋：%(list)s") % {"list": "、".join(missing)})
            data["unit_rows"] = units
        return data

    def to_input(self) -> NoticeInput:
        d = self.cleaned_data
        return NoticeInput(
            title=d["title"],
            body=d["body"],
            valid_from=d["valid_from"],
            valid_until=d.get("valid_until"),
            audience=d["audience"],
            buildings=list(d.get("buildings") or []),
            units=d.get("unit_rows", []),
            sms=bool(d.get("sms")),
            sms_text=d.get("sms_text") or "",
        )

    @classmethod
    def initial_of(cls, notice: Notice) -> dict[str, Any]:
        return {
            "estate": notice.estate,
            "title": notice.title,
            "body": notice.body,
            "audience": notice.audience,
            "buildings": list(notice.buildings.all()),
            "units": units_text(notice.units.all()),
            "valid_from": notice.valid_from,
            "valid_until": notice.valid_until,
            "sms": notice.sms,
            "sms_text": notice.sms_text,
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=200)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件（图片或 PDF）"))


class BoardForm(forms.Form):
    estate = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("张贴内容"), max_length=200, required=False)


__all__ = ["AttachmentForm", "BoardForm", "NoticeForm", "WithdrawForm", "parse_units", "unit_label"]
