"""Forms for the intake screen and the case actions (validation only; rules live in services)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwen.cases.models import (
    Attribution,
    Case,
    Category,
    Channel,
    Handover,
    HandoverStatus,
    OneTimeNotice,
    PauseReason,
    Severity,
    Urgency,
)
from shouwen.core.actions import ActionForm
from shouwen.core.params import parse_id
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Department, Estate, PublicArea, Resident, Staff, Unit
from shouwen.procedures.models import Procedure


def _field(form: forms.Form, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


def _multi(form: forms.Form, name: str) -> forms.MultipleChoiceField:
    return cast(forms.MultipleChoiceField, form.fields[name])


class _ItemIdsField(forms.MultipleChoiceField):
    """Checklist item ids: any number is read; whether it belongs to the procedure is the service's rule."""

    def valid_value(self, value: Any) -> bool:
        return parse_id(str(value)) is not None


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
    category = forms.ChoiceField(
        label=_("类别"),
        choices=[("", "—")] + list(Category.choices),
        required=False,
        widget=forms.Select(attrs={"required": True}),
    )
    content = forms.CharField(
        label=_("内容"),
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        max_length=LONG_TEXT_MAX,
        required=False,
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
    urgency = forms.ChoiceField(
        label=_("紧急程度"),
        choices=[("", _("按内容判断"))] + list(Urgency.choices),
        required=False,
        help_text=_("不选则按内容判断：电梯困人、爆管、燃气泄漏为紧急，漏水、停水停电为较急"),
    )
    requested_due = forms.DateField(
        label=_("住户要求的期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    procedure = forms.ModelChoiceField(
        Procedure.objects.filter(active=True), label=_("办理手续"), required=False
    )
    documents_provided = _ItemIdsField(
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
        from shouwen.cases.intake import EMERGENCY_WORDS, URGENT_WORDS

        # The page proposes the urgency as the description is typed, by the words the service uses.
        self.fields["urgency"].widget.attrs.update(
            {
                "data-emergency-words": "|".join(EMERGENCY_WORDS),
                "data-urgent-words": "|".join(URGENT_WORDS),
            }
        )

    def registration(self) -> dict[str, Any]:
        """Return the service's arguments (every rule is the service's: see ``prepare_contact``)."""
        d = dict(self.cleaned_data)
        d.pop("token", None)
        d["documents_provided"] = [int(i) for i in d["documents_provided"]]
        return d


class _StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        dept = obj.department.name if obj.department is not None else ""
        return f"{obj.name}（{obj.staff_no}）{dept}"


class _DepartmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return obj.name


def _text(label: Any, *, needed: bool = True, max_length: int = LONG_TEXT_MAX) -> forms.CharField:
    """A text the service checks: optional here, marked required in the browser when the service needs it."""
    attrs: dict[str, Any] = {"rows": 2}
    if needed:
        attrs["required"] = True
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs=attrs), max_length=max_length, required=False
    )


def _estate_staff(case: Case) -> Any:
    return (
        Staff.objects.filter(is_active=True, estates=case.estate_id).select_related("department").distinct()
    )


class HandOverForm(ActionForm):
    """Hand the case to a department or a named person, with the required note."""

    to_department = _DepartmentChoice(Department.objects.none(), label=_("接收部门"), required=False)
    to_staff = _StaffChoice(Staff.objects.none(), label=_("接收人"), required=False)
    note = _text(_("交接说明"))

    def setup(self) -> None:
        _field(self, "to_department").queryset = Department.objects.filter(estate=self.target.estate_id)
        _field(self, "to_staff").queryset = _estate_staff(self.target)


class ReassignForm(ActionForm):
    """A supervisor names the handler."""

    to_staff = _StaffChoice(Staff.objects.none(), label=_("处理人"))
    note = _text(_("指派说明"))

    def setup(self) -> None:
        _field(self, "to_staff").queryset = _estate_staff(self.target)


class ChaseForm(ActionForm):
    """A supervisor presses the holder to get on with the case (催办)."""

    note = _text(_("催办说明"), needed=False)


class KeepForm(ActionForm):
    """The department has nobody on duty: the first contact keeps the case for now."""

    department = _DepartmentChoice(Department.objects.none(), label=_("无人在岗的部门"))
    note = _text(_("说明"), needed=False)

    def setup(self) -> None:
        _field(self, "department").queryset = Department.objects.filter(estate=self.target.estate_id)


class AssignmentRequestForm(ActionForm):
    """Ask a supervisor to name a handler."""

    note = _text(_("需要指派的原因"))


class _HandoverDecision(ActionForm):
    """A decision on the pending handover; the API may name it, the page decides on the one shown."""

    handover = forms.IntegerField(
        required=False,
        widget=forms.HiddenInput,
        help_text=_("转办编号；不填则为当前待接收的转办"),
    )

    def intro(self) -> str:
        """Return what the handover said, shown above the decision."""
        pending = (
            self.target.handovers.filter(status=HandoverStatus.PENDING).select_related("from_staff").first()
        )
        if pending is None:
            return ""
        return _("%(who)s 转来：%(note)s") % {"who": pending.from_staff.name, "note": pending.note}

    def subject(self) -> Handover:
        """Return the named handover of this case, or the pending one; a conflict when there is none."""
        from shouwen.core.actions import Conflict

        handover_id = self.cleaned_data.get("handover")
        if handover_id is not None:
            found = self.target.handovers.filter(pk=handover_id).first()
            if found is None:
                raise Conflict(_("该事项没有这个转办，请刷新页面。"))
            return found
        pending = self.target.handovers.filter(status=HandoverStatus.PENDING).first()
        if pending is None:
            raise Conflict(_("该转办已被处理，请刷新页面。"))
        return pending

    def arguments(self) -> dict[str, Any]:
        args = dict(self.cleaned_data)
        args.pop("handover", None)
        return args


class AcceptHandoverForm(_HandoverDecision):
    """Accept the pending handover."""


class ReturnHandoverForm(_HandoverDecision):
    """Send the pending handover back, with the reason."""

    reason = _text(_("退回原因"))


class CancelHandoverForm(_HandoverDecision):
    """Withdraw the pending handover."""

    reason = _text(_("撤回原因（可选）"), needed=False)

    def intro(self) -> str:
        return ""


class AttributionForm(ActionForm):
    """Whose fault the underlying problem is."""

    attribution = forms.ChoiceField(label=_("责任归属"), choices=Attribution.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def setup(self) -> None:
        self.initial = {
            "attribution": self.target.attribution or "undetermined",
            "note": self.target.attribution_note,
        }


class CorrectionForm(ActionForm):
    """Correct what was registered wrongly (the service records each change as before → after)."""

    category = forms.ChoiceField(label=_("类别"), choices=Category.choices, required=False)
    severity = forms.ChoiceField(
        label=_("投诉等级"), choices=[("", "—")] + list(Severity.choices), required=False
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=[("", _("按内容判断"))] + list(Urgency.choices), required=False
    )
    unit_text = forms.CharField(
        label=_("房号"), max_length=30, required=False, help_text=_("如 3-2-1502 或 3栋2单元1502；清空为无")
    )
    public_area = forms.ModelChoiceField(PublicArea.objects.none(), label=_("公共区域"), required=False)
    caller_phone = forms.CharField(
        label=_("联系电话"), max_length=30, required=False, help_text=_("留空则不改")
    )
    requested_due = forms.DateField(
        label=_("住户要求的期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=_("更正原因（可选）"), max_length=200, required=False)

    def arguments(self) -> dict[str, Any]:
        """Return the corrected values; a field the request leaves out keeps its current value."""
        args = {k: v for k, v in self.cleaned_data.items() if k in self.data}
        if not args.get("category"):
            args.pop("category", None)
        return args

    def setup(self) -> None:
        case = self.target
        _field(self, "public_area").queryset = PublicArea.objects.filter(estate=case.estate_id).order_by(
            "name"
        )
        self.initial = {
            "category": case.category,
            "severity": case.severity,
            "urgency": case.urgency,
            "unit_text": case.unit.label if case.unit is not None else "",
            "public_area": case.public_area_id,
            "requested_due": case.requested_due,
        }


class VisitForm(ActionForm):
    """The resident called or came again about this case."""

    channel = forms.ChoiceField(label=_("来源"), choices=Channel.choices, initial=Channel.VISIT)
    content = _text(_("内容"))


class _ItemIds(forms.TypedMultipleChoiceField):
    """Checklist item ids of a case: any number is read; the service checks they are on the case."""

    def valid_value(self, value: Any) -> bool:
        return parse_id(str(value)) is not None


class DocumentsForm(ActionForm):
    """Tick the documents the resident brought."""

    item_ids = _ItemIds(label=_("资料"), coerce=int, widget=forms.CheckboxSelectMultiple)

    def setup(self) -> None:
        _multi(self, "item_ids").choices = [
            (str(d.item_id), d.item.text)
            for d in self.target.documents.filter(provided=False).select_related("item")
        ]


class NoticeForm(ActionForm):
    """How the one-time notice was given."""

    channel = forms.ChoiceField(label=_("告知方式"), choices=OneTimeNotice.Channel.choices)


class AcceptForProcessingForm(ActionForm):
    """Accept the procedure; with documents missing a supervisor gives the reason."""

    override_reason = _text(_("资料未齐先行受理的原因（仅主管）"), needed=False, max_length=200)


class NoteForm(ActionForm):
    """An internal note (the API may send ``to_resident`` to record a message given to the resident)."""

    text = _text(_("内容"))
    to_resident = forms.BooleanField(required=False, widget=forms.HiddenInput)


class MessageForm(ActionForm):
    """A message given to the resident."""

    text = _text(_("内容"))

    def arguments(self) -> dict[str, Any]:
        return {"text": self.cleaned_data["text"], "to_resident": True}


class EmailReplyForm(ActionForm):
    """A message to the resident sent by e-mail, in the thread of the resident's last e-mail."""

    text = _text(_("邮件内容"))

    def intro(self) -> str:
        """Return where the e-mail goes and what it answers."""
        from shouwen.access.masking import mask_email
        from shouwen.mailbox.services import reply_subject, reply_target

        target = reply_target(self.target)
        if target is None:
            return ""
        return _("发往 %(address)s，主题“%(subject)s”") % {
            "address": mask_email(target.address),
            "subject": reply_subject(self.target, target.parent),
        }


class AttachmentForm(ActionForm):
    """A photo or PDF for the case."""

    file = forms.FileField(label=_("文件"))

    def arguments(self) -> dict[str, Any]:
        return {"upload": self.cleaned_data["file"]}


class ResolveForm(ActionForm):
    """The result of the handling."""

    resolution = _text(_("处理结果"))


class ReasonForm(ActionForm):
    """An action that needs a reason."""

    reason = _text(_("重新打开的原因"))


class VoidForm(ActionForm):
    """Void a mistaken registration."""

    reason = _text(_("作废原因"))


class CloseForm(ActionForm):
    """Close a handled case; a supervisor closing without a return visit writes why."""

    note = _text(_("说明（可选）"), needed=False)


class DeclineForm(ActionForm):
    """Decline an unreasonable request."""

    explanation = _text(_("向住户说明的理由"))


class PauseForm(ActionForm):
    """Stop the clock, for a reason from the list."""

    reason = forms.ChoiceField(label=_("暂停原因"), choices=PauseReason.choices)
    note = _text(_("说明"), max_length=200)


class ResumeForm(ActionForm):
    """Start the clock again."""

    note = _text(_("说明（可选）"), needed=False)


class _NumberList(forms.Field):
    """Case numbers ticked in a list (several ``numbers`` values); the service reports those not found."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        values = value if isinstance(value, (list, tuple)) else [value] if value else []
        return [str(v).strip() for v in values if str(v).strip()][:BULK_MAX]


BULK_MAX = 100  # cases reassigned by one request


class BulkReassignForm(forms.Form):
    """A supervisor names one handler for several cases of the queue (each case reassigned on its own)."""

    numbers = _NumberList(label=_("事项"), error_messages={"required": _("请勾选要指派的事项。")})
    to_staff = _StaffChoice(Staff.objects.none(), label=_("处理人"))
    note = forms.CharField(
        label=_("指派说明"), max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, estate_ids: frozenset[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "to_staff").queryset = estate_staff(estate_ids)


def estate_staff(estate_ids: frozenset[int]) -> Any:
    """The active staff serving any of the estates, with their departments, by name."""
    return (
        Staff.objects.filter(is_active=True, estates__in=estate_ids)
        .select_related("department__estate")
        .distinct()
        .order_by("name", "pk")
    )


def choose_from(form: BulkReassignForm, people: list[Staff]) -> None:
    """Offer the handlers already loaded (the same rows as the field's query) without loading them again."""
    field = _field(form, "to_staff")
    field.choices = [("", "---------"), *[(p.pk, field.label_from_instance(p)) for p in people]]


class SavedViewForm(forms.Form):
    """Name the current queue view to open it again later."""

    name = forms.CharField(label=_("视图名称"), max_length=40)
    query = forms.CharField(widget=forms.HiddenInput, required=False)
