"""Forms of the work-order pages: they only parse input; the rules are in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwen.access.roles import ROLES, Cap
from shouwen.cases.models import Attribution
from shouwen.core.actions import ActionForm
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Estate, PublicArea, Staff
from shouwen.workorders.models import (
    Material,
    PaymentMethod,
    PhotoStage,
    Rating,
    Trade,
    Urgency,
    WorkOrderMaterial,
)

VERSION_HELP = _("工作单的 version；填写时，若工作单已被他人修改则返回 409")

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


def technicians_of(estate: Estate) -> QuerySet[Staff]:
    """Return the active staff who may do repair work in the estate (by the roles table)."""
    roles = [code for code, role in ROLES.items() if Cap.WORKORDER_WORK in role.caps]
    return (
        Staff.objects.filter(is_active=True, estates=estate, roles__role__in=roles)
        .distinct()
        .order_by("staff_no")
    )


class CrewFields(forms.Form):
    """The lead technician and helpers; the lead goes first (they lead the job)."""

    lead = forms.ModelChoiceField(label=_("主修人员"), queryset=Staff.objects.none(), required=False)
    helpers = forms.ModelMultipleChoiceField(
        label=_("协助人员"),
        queryset=Staff.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, estate: Estate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = technicians_of(estate)
        self.fields["lead"].queryset = people  # type: ignore[attr-defined]
        self.fields["helpers"].queryset = people  # type: ignore[attr-defined]

    def technicians(self) -> list[Staff]:
        """Return the crew in order, lead first."""
        lead = self.cleaned_data.get("lead")
        helpers = list(self.cleaned_data.get("helpers") or [])
        return ([lead] if lead else []) + [h for h in helpers if h != lead]


class WorkOrderCreateForm(CrewFields):
    """Open a work order from the case page."""

    trade = forms.ChoiceField(label=_("工种"), choices=Trade.choices)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    appointment_at = forms.DateTimeField(label=_("预约上门时间"), required=False, widget=_datetime_widget())
    appointment_note = forms.CharField(label=_("预约说明"), max_length=200, required=False)
    description = forms.CharField(
        label=_("报修内容"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=LONG_TEXT_MAX,
    )


class StepForm(ActionForm):
    """A step on a work order; ``version`` (optional) refuses it when the order changed meanwhile."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput, help_text=VERSION_HELP)

    def setup(self) -> None:
        self.initial.setdefault("version", self.target.version)


class _Crew(forms.ModelMultipleChoiceField):
    """Technicians by id, kept in the order given (the first leads)."""

    def clean(self, value: Any) -> list[Staff]:  # type: ignore[override]
        chosen = super().clean(value)
        by_id = {str(s.pk): s for s in chosen}
        ordered: list[Staff] = []
        for raw in value or []:
            person = by_id.get(str(raw))
            if person is not None and person not in ordered:
                ordered.append(person)
        return ordered


def _crew_field(label: Any) -> _Crew:
    return _Crew(label=label, queryset=Staff.objects.none(), required=False, widget=forms.MultipleHiddenInput)


class AssignForm(StepForm):
    """Send technicians: the page picks a lead and helpers, the API lists ``technicians`` (first leads)."""

    lead = forms.ModelChoiceField(label=_("主修人员"), queryset=Staff.objects.none(), required=False)
    helpers = forms.ModelMultipleChoiceField(
        label=_("协助人员"),
        queryset=Staff.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    technicians = _crew_field(_("维修人员（第一位为主修）"))

    def setup(self) -> None:
        super().setup()
        people = technicians_of(self.target.case.estate)
        for name in ("lead", "helpers", "technicians"):
            self.fields[name].queryset = people  # type: ignore[attr-defined]

    def arguments(self) -> dict[str, Any]:
        d = self.cleaned_data
        lead, helpers = d.get("lead"), list(d.get("helpers") or [])
        crew = d.get("technicians") or ([lead] if lead else []) + [h for h in helpers if h != lead]
        return {"technicians": crew, "version": d.get("version")}


class DiagnosisForm(StepForm):
    """What is wrong, the repair plan and who is responsible."""

    diagnosis = forms.CharField(
        label=_("故障诊断"),
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        max_length=LONG_TEXT_MAX,
        required=False,
    )
    plan = forms.CharField(
        label=_("维修方案"),
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        max_length=LONG_TEXT_MAX,
        required=False,
    )
    responsibility = forms.ChoiceField(
        # "待确定" once: the empty choice is it (Attribution.UNDETERMINED is not offered a second time).
        label=_("维修责任"),
        choices=[("", _("待确定"))] + [c for c in Attribution.choices if c[0] != Attribution.UNDETERMINED],
        required=False,
    )

    def setup(self) -> None:
        super().setup()
        order = self.target
        self.initial.update(
            {"diagnosis": order.diagnosis, "plan": order.plan, "responsibility": order.responsibility}
        )


class MaterialForm(StepForm):
    """A material from the price list and how much of it (the service checks the quantity)."""

    material = forms.ModelChoiceField(label=_("材料"), queryset=Material.objects.filter(active=True))
    quantity = forms.DecimalField(
        label=_("数量"),
        max_digits=10,
        decimal_places=3,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0.001"}),
    )


class VoidMaterialForm(StepForm):
    """A material line entered by mistake."""

    line = forms.IntegerField(widget=forms.HiddenInput)

    def subject(self) -> WorkOrderMaterial:
        """Return the order's material line named (a 404 when the order has no such line)."""
        line = self.target.materials.filter(pk=self.cleaned_data["line"]).first()
        if line is None:
            raise Http404(_("工作单没有这条材料。"))
        return line

    def arguments(self) -> dict[str, Any]:
        return {"version": self.cleaned_data.get("version")}


class ChargeForm(StepForm):
    """Labour, and paid or warranty (the proposal is preselected)."""

    labour = forms.DecimalField(
        label=_("人工费（元）"),
        max_digits=10,
        decimal_places=2,
        initial=Decimal("0.00"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
    )
    paid = forms.NullBooleanField(
        label=_("收费性质"),
        widget=forms.RadioSelect(choices=[("1", _("有偿服务")), ("0", _("保修/免费"))]),
        help_text=_("true 有偿，false 保修；不填按系统建议"),
    )
    override_reason = forms.CharField(label=_("与系统建议不同的原因"), max_length=200, required=False)


class PhotoForm(StepForm):
    """A photo from the phone's camera."""

    stage = forms.ChoiceField(label=_("阶段"), choices=PhotoStage.choices, widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("照片"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def arguments(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"stage": d["stage"], "upload": d["file"], "version": d.get("version")}


class SignatureForm(StepForm):
    """The signature drawn on the canvas (a PNG data URL), the resident's opinion and rating."""

    signature = forms.CharField(
        widget=forms.HiddenInput, max_length=2_000_000, required=False, help_text=_("PNG 图片的 data URL")
    )
    rating = forms.ChoiceField(
        label=_("住户评价"),
        choices=Rating.choices,
        initial=Rating.SATISFIED,
        widget=forms.RadioSelect,
        required=False,
    )
    opinion = forms.CharField(
        label=_("住户意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=LONG_TEXT_MAX,
    )

    def arguments(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["data_url"] = d.pop("signature")
        return d


class RefuseForm(StepForm):
    """Why the resident would not sign."""

    reason = forms.CharField(label=_("拒签原因"), max_length=200, required=False)
    opinion = forms.CharField(
        label=_("住户意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=LONG_TEXT_MAX,
    )


class PaymentForm(StepForm):
    """The resident's payment of a paid job."""

    method = forms.ChoiceField(
        label=_("付款方式"), choices=PaymentMethod.choices, initial=PaymentMethod.QR, widget=forms.RadioSelect
    )
    amount = forms.DecimalField(
        label=_("实收金额（元）"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    receipt_no = forms.CharField(label=_("收据号/交易单号"), max_length=40, required=False)

    def setup(self) -> None:
        super().setup()
        self.initial.setdefault("amount", self.target.total)


class ReasonForm(StepForm):
    """A reason (cancel)."""

    reason = forms.CharField(
        label=_("原因"),
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
        max_length=LONG_TEXT_MAX,
        required=False,
    )


class _FollowUpOrder(StepForm):
    """A new order linked to this done one; without ``technicians`` the same crew goes."""

    technicians = _crew_field(_("维修人员（不填为原班人员）"))
    appointment_at = forms.DateTimeField(label=_("预约时间"), required=False, widget=_datetime_widget())

    def setup(self) -> None:
        super().setup()
        self.fields["technicians"].queryset = technicians_of(self.target.case.estate)  # type: ignore[attr-defined]

    def arguments(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["technicians"] = d.get("technicians") or None
        return d


class ReworkForm(_FollowUpOrder):
    """Open a rework order, with the reason."""

    reason = forms.CharField(
        label=_("返工原因"),
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
        max_length=LONG_TEXT_MAX,
        required=False,
    )


class ReinspectForm(_FollowUpOrder):
    """When to re-inspect with the resident."""

    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class NightCallForm(forms.Form):
    """A call taken on night duty."""

    estate = forms.ModelChoiceField(label=_("小区"), queryset=Estate.objects.none())
    called_at = forms.DateTimeField(label=_("来电时间"), widget=_datetime_widget())
    caller_phone = forms.CharField(
        label=_("来电号码"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    caller_name = forms.CharField(label=_("来电人"), max_length=60, required=False)
    unit = forms.CharField(
        label=_("房屋"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如 3-2-1502")}),
    )
    public_area = forms.ModelChoiceField(
        label=_("或公共区域"), queryset=PublicArea.objects.none(), required=False
    )
    content = forms.CharField(
        label=_("来电内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=LONG_TEXT_MAX
    )
    log_only = forms.BooleanField(
        label=_("仅记入夜间值班记录，早班交接时立项或答复"),
        required=False,
        help_text=_("不能当场判断的来电：次日交接班时由当值客服管理员逐条立项或填写处理答复。"),
    )
    repaired_now = forms.BooleanField(label=_("已当场维修处理"), required=False)
    answer = forms.CharField(
        label=_("处理情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=LONG_TEXT_MAX,
    )
    morning_work_order = forms.BooleanField(label=_("开次日维修工作单"), required=False, initial=True)
    trade = forms.ChoiceField(
        label=_("工种"), choices=[("", _("按内容判断"))] + list(Trade.choices), required=False
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, estates: QuerySet[Estate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates  # type: ignore[attr-defined]
        self.fields["public_area"].queryset = PublicArea.objects.filter(estate__in=estates)  # type: ignore[attr-defined]
        first = estates.first()
        if first is not None:
            self.fields["estate"].initial = first.pk
        self.fields["called_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class MoveInDefectsForm(CrewFields):
    """Defects found at a move-in inspection, one per line."""

    unit = forms.CharField(
        label=_("房屋"), max_length=30, widget=forms.TextInput(attrs={"placeholder": "3-2-1502"})
    )
    defects = forms.CharField(
        label=_("验收问题（每行一项）"),
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": _("主卧窗户渗水\n卫生间地漏返味")}),
    )

    def defect_lines(self) -> list[str]:
        """Return the defects, one per non-empty line."""
        return [line.strip() for line in self.cleaned_data["defects"].splitlines() if line.strip()]
