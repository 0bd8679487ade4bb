"""Forms for the intake screen and the case actions (validation only; rules live in services)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwen.cases.models import Attribution, Category, Channel, OneTimeNotice, Severity
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Department, Estate, PublicArea, Resident, Staff, Unit
from shouwen.directory.phones import normalize_phone
from shouwen.procedures.models import Procedure


def _field(form: forms.Form, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


def _multi(form: forms.Form, name: str) -> forms.MultipleChoiceField:
    return cast(forms.MultipleChoiceField, form.fields[name])


class IntakeForm(forms.Form):
    """The front-desk registration (来电来访登记): fast to fill, everything a matter needs."""

    token = forms.CharField(widget=forms.HiddenInput)  # one per form view: a double submit registers once
    estate = forms.ModelChoiceField(Estate.objects.none(), label=_("小区"))
    channel = forms.ChoiceField(
        label=_("来源"), choices=Channel.choices, initial=Channel.PHONE, widget=forms.RadioSelect
    )
    received_at = forms.DateTimeField(
        label=_("接待时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("补登记来函、夜间记录时填写，不填为现在"),
    )
    caller_phone = forms.CharField(label=_("来电号码/联系电话"), max_length=30, required=False)
    caller_name = forms.CharField(label=_("来电来访人"), max_length=60, required=False)
    resident = forms.ModelChoiceField(Resident.objects.none(), required=False, widget=forms.HiddenInput)
    unit = forms.ModelChoiceField(Unit.objects.none(), required=False, widget=forms.HiddenInput)
    unit_text = forms.CharField(
        label=_("房号"), max_length=30, required=False, help_text=_("如 3-2-1502 或 3栋2单元1502")
    )
    public_area = forms.ModelChoiceField(PublicArea.objects.none(), label=_("公共区域"), required=False)
    location = forms.CharField(label=_("具体位置"), max_length=100, required=False)
    category = forms.ChoiceField(label=_("类别"), choices=[("", "—")] + list(Category.choices))
    content = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=LONG_TEXT_MAX
    )
    severity = forms.ChoiceField(
        label=_("投诉等级"), choices=[("", "—")] + list(Severity.choices), required=False
    )
    complained_party = forms.CharField(label=_("被投诉人"), max_length=60, required=False)
    complained_department = forms.ModelChoiceField(
        Department.objects.none(), label=_("被投诉部门"), required=False
    )
    incident = forms.CharField(
        label=_("发生经过"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=LONG_TEXT_MAX,
    )
    demand = forms.CharField(
        label=_("住户要求"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=LONG_TEXT_MAX,
    )
    preferred_time = forms.CharField(label=_("方便上门时间"), max_length=60, required=False)
    procedure = forms.ModelChoiceField(
        Procedure.objects.filter(active=True), label=_("办理手续"), required=False
    )
    documents_provided = forms.MultipleChoiceField(
        label=_("已带来的资料"), required=False, widget=forms.CheckboxSelectMultiple
    )
    answered_on_spot = forms.BooleanField(label=_("当场答复，无需立项"), required=False)
    answer = forms.CharField(
        label=_("答复内容"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=LONG_TEXT_MAX,
    )

    def __init__(self, *args: Any, estates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "estate").queryset = estates
        _field(self, "resident").queryset = Resident.objects.filter(estate__in=estates)
        _field(self, "unit").queryset = Unit.objects.filter(building__estate__in=estates)
        _field(self, "public_area").queryset = PublicArea.objects.filter(estate__in=estates).order_by(
            "estate", "name"
        )
        _field(self, "complained_department").queryset = Department.objects.filter(estate__in=estates)
        from shouwen.procedures.models import ChecklistItem

        _multi(self, "documents_provided").choices = [
            (str(i.pk), i.text) for i in ChecklistItem.objects.filter(active=True, procedure__active=True)
        ]
        if estates.count() == 1:
            self.fields["estate"].initial = estates.first()

    def clean_caller_phone(self) -> str:
        number = normalize_phone(self.cleaned_data.get("caller_phone", ""))
        if number and not number.isdigit():
            raise forms.ValidationError(_("电话号码只能包含数字。"))
        return number

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        estate = data.get("estate")
        if estate is None:
            return data
        for field in ("resident", "public_area", "complained_department"):
            obj = data.get(field)
            if obj is not None and obj.estate_id != estate.pk:
                self.add_error(field, _("不属于所选小区。"))
        unit = data.get("unit")
        text = (data.get("unit_text") or "").strip()
        if unit is None and text:
            from shouwen.directory.search import find_units, parse_unit_shorthand

            ref = parse_unit_shorthand(text)
            found = list(find_units(Unit.objects.filter(building__estate=estate), ref)[:2]) if ref else []
            if len(found) != 1:
                self.add_error(
                    "unit_text", _("找不到房屋“%(text)s”，请检查楼栋、单元和房号。") % {"text": text}
                )
            else:
                data["unit"] = found[0]
        elif unit is not None and unit.building.estate_id != estate.pk:
            self.add_error("unit", _("不属于所选小区。"))
        if data.get("answered_on_spot") and not (data.get("answer") or "").strip():
            self.add_error("answer", _("当场答复的来电来访必须填写答复内容。"))
        procedure = data.get("procedure")
        if procedure is not None and data.get("category") != procedure.category:
            self.add_error("procedure", _("所选手续与类别不符。"))
        return data


class _StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        dept = obj.department.name if obj.department is not None else ""
        return f"{obj.name}（{obj.staff_no}）{dept}"


class _DepartmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return obj.name


class HandOverForm(forms.Form):
    """Hand the case to a department or a named person, with the required note."""

    to_department = _DepartmentChoice(Department.objects.none(), label=_("接收部门"), required=False)
    to_staff = _StaffChoice(Staff.objects.none(), label=_("接收人"), required=False)
    note = forms.CharField(
        label=_("交接说明"), widget=forms.Textarea(attrs={"rows": 2}), max_length=LONG_TEXT_MAX
    )

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "to_department").queryset = Department.objects.filter(estate=case.estate_id)
        _field(self, "to_staff").queryset = (
            Staff.objects.filter(is_active=True, estates=case.estate_id)
            .select_related("department")
            .distinct()
        )


class ReassignForm(forms.Form):
    """A supervisor names the handler."""

    to_staff = _StaffChoice(Staff.objects.none(), label=_("处理人"))
    note = forms.CharField(label=_("说明"), max_length=LONG_TEXT_MAX)

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "to_staff").queryset = (
            Staff.objects.filter(is_active=True, estates=case.estate_id)
            .select_related("department")
            .distinct()
        )


class KeepForm(forms.Form):
    """The department has nobody on duty: the first contact keeps the case for now."""

    department = _DepartmentChoice(Department.objects.none(), label=_("无人在岗的部门"))
    note = forms.CharField(label=_("说明"), max_length=LONG_TEXT_MAX, required=False)

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "department").queryset = Department.objects.filter(estate=case.estate_id)


class TextForm(forms.Form):
    """One required text (reason, note, resolution…)."""

    text = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}), max_length=LONG_TEXT_MAX
    )


class OptionalTextForm(forms.Form):
    """One optional text."""

    text = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}), max_length=LONG_TEXT_MAX, required=False
    )


class AttributionForm(forms.Form):
    """Whose fault the underlying problem is."""

    attribution = forms.ChoiceField(label=_("责任归属"), choices=Attribution.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class VisitForm(forms.Form):
    """The resident called or came again about this case."""

    channel = forms.ChoiceField(label=_("来源"), choices=Channel.choices, initial=Channel.VISIT)
    text = forms.CharField(label=_("内容"), max_length=LONG_TEXT_MAX)


class DocumentsForm(forms.Form):
    """Tick the documents the resident brought."""

    items = forms.MultipleChoiceField(label=_("资料"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _multi(self, "items").choices = [
            (str(d.item_id), d.item.text)
            for d in case.documents.filter(provided=False).select_related("item")
        ]


class NoticeForm(forms.Form):
    """How the one-time notice was given."""

    channel = forms.ChoiceField(label=_("告知方式"), choices=OneTimeNotice.Channel.choices)


class AttachmentForm(forms.Form):
    """A photo or PDF for the case."""

    upload = forms.FileField(label=_("文件"))


class PauseForm(forms.Form):
    """Stop the clock, for a reason from the list."""

    reason = forms.ChoiceField(label=_("暂停原因"), choices=[])
    note = forms.CharField(label=_("说明"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from shouwen.cases.models import PauseReason

        super().__init__(*args, **kwargs)
        _multi(self, "reason").choices = PauseReason.choices
