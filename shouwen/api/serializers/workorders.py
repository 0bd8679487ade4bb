"""Serializers of work orders: the order as the services left it, and the bodies of its actions.

Money goes out as strings with two decimals (DRF's Decimal handling), never as floats.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shouwen.access.masking import mask_phone
from shouwen.access.scope import staff_of
from shouwen.api.serializers.base import ScopedPrimaryKeyRelatedField
from shouwen.api.serializers.cases import StaffRefSerializer
from shouwen.cases.models import Attribution, Case
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Staff
from shouwen.workorders import transitions
from shouwen.workorders.models import (
    Material,
    PaymentMethod,
    PhotoStage,
    Rating,
    Trade,
    Urgency,
    WorkOrder,
    WorkOrderMaterial,
    WorkOrderPhoto,
)


class MaterialSerializer(serializers.ModelSerializer):
    """An item of the price list."""

    class Meta:
        model = Material
        fields = ["id", "name", "spec", "unit", "unit_price", "active"]
        read_only_fields = fields


class WorkOrderMaterialSerializer(serializers.ModelSerializer):
    """A material used on the order at the price of the day."""

    class Meta:
        model = WorkOrderMaterial
        fields = [
            "id",
            "material",
            "name",
            "unit",
            "quantity",
            "unit_price",
            "amount",
            "added_at",
            "voided_at",
        ]
        read_only_fields = fields


class WorkOrderPhotoSerializer(serializers.ModelSerializer):
    """A photo taken before or after the repair."""

    class Meta:
        model = WorkOrderPhoto
        fields = ["id", "stage", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class WorkOrderActionSerializer(serializers.Serializer):
    """An action the reader may take on the order now."""

    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class WorkOrderListSerializer(serializers.ModelSerializer):
    """A row of the work-order list: what, where, when, who, how far."""

    case: serializers.SlugRelatedField[Case] = serializers.SlugRelatedField(
        slug_field="number", read_only=True
    )
    place = serializers.SerializerMethodField()
    technicians = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrder
        fields = [
            "number",
            "case",
            "kind",
            "trade",
            "urgency",
            "state",
            "place",
            "appointment_at",
            "technicians",
            "paid",
            "total",
            "created_at",
            "done_at",
            "version",
        ]
        read_only_fields = fields

    def get_place(self, order: WorkOrder) -> str:
        """Return the unit (3栋2单元1502) or the public area the job is at."""
        case = order.case
        if case.unit is not None:
            return case.unit.label
        return case.public_area.name if case.public_area is not None else ""

    @extend_schema_field(StaffRefSerializer(many=True))
    def get_technicians(self, order: WorkOrder) -> list[dict[str, Any]]:
        """Return the technicians now on the order, lead first."""
        return [StaffRefSerializer(c.staff).data for c in getattr(order, "current_crew", [])]


class WorkOrderDetailSerializer(WorkOrderListSerializer):
    """The whole work order: plan, responsibility, costs, signature, payment and the actions allowed now."""

    caller_phone = serializers.SerializerMethodField()
    created_by = StaffRefSerializer(read_only=True)
    materials = serializers.SerializerMethodField()
    photos = WorkOrderPhotoSerializer(many=True, read_only=True)
    amount_due = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    signed = serializers.SerializerMethodField()
    rework_of: serializers.SlugRelatedField[WorkOrder] = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True
    )
    actions = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta(WorkOrderListSerializer.Meta):
        fields = [
            *WorkOrderListSerializer.Meta.fields,
            "appointment_note",
            "description",
            "caller_phone",
            "created_by",
            "accepted_at",
            "on_way_at",
            "arrived_at",
            "diagnosed_at",
            "cancelled_at",
            "cancel_reason",
            "diagnosis",
            "plan",
            "responsibility",
            "paid_proposed",
            "paid_proposal_reason",
            "paid_override_reason",
            "labour",
            "materials_total",
            "amount_due",
            "materials",
            "photos",
            "resident_opinion",
            "resident_rating",
            "signed",
            "signed_at",
            "signature_refused_reason",
            "payment_method",
            "payment_amount",
            "receipt_no",
            "paid_at",
            "rework_of",
            "needs_reinspection",
            "night_call_at",
            "actions",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_caller_phone(self, order: WorkOrder) -> str:
        """Return the caller's phone, masked."""
        return mask_phone(order.case.origin.caller_phone)

    @extend_schema_field(WorkOrderMaterialSerializer(many=True))
    def get_materials(self, order: WorkOrder) -> list[dict[str, Any]]:
        """Return the material lines that count (voided ones are left out)."""
        lines = [m for m in order.materials.all() if m.voided_at is None]
        return list(WorkOrderMaterialSerializer(lines, many=True).data)

    def get_signed(self, order: WorkOrder) -> bool:
        """Return whether the resident's signature is on file."""
        return bool(order.signature)

    @extend_schema_field(WorkOrderActionSerializer(many=True))
    def get_actions(self, order: WorkOrder) -> list[dict[str, str]]:
        """Return the actions the reader may take now."""
        request = self.context.get("request")
        staff = staff_of(request.user) if request is not None else None
        if staff is None:
            return []
        return [{"code": a.code, "label": str(a.label)} for a in transitions.allowed_actions(staff, order)]

    def get_pdf_url(self, order: WorkOrder) -> str:
        """Return the path of the printable work order."""
        return reverse("workorders:pdf", args=[order.number])


# ---------------------------------------------------------------- action bodies

VERSION_HELP = gettext_lazy("可选：读取时的 version；工作单已被他人更新时返回 409")


def _version() -> serializers.IntegerField:
    return serializers.IntegerField(required=False, allow_null=True, default=None, help_text=VERSION_HELP)


def _text(
    help_text: Any = "", required: bool = True, max_length: int = LONG_TEXT_MAX
) -> serializers.CharField:
    return serializers.CharField(
        required=required,
        allow_blank=not required,
        default="" if not required else serializers.empty,
        help_text=help_text,
        max_length=max_length,
    )


@extend_schema_field(OpenApiTypes.STR)
class CaseNumberField(serializers.SlugRelatedField):
    """A case of the user's estates, by its number."""

    def get_queryset(self) -> Any:
        from shouwen.access.scope import scope_queryset

        request = self.context.get("request")
        if request is None:
            return Case.objects.none()
        return scope_queryset(Case.objects.all(), request.user)


class WorkOrderCreateSerializer(serializers.Serializer):
    """Open a work order for a repair case; technicians in order, the first leads."""

    case = CaseNumberField(slug_field="number", help_text=gettext_lazy("事项编号"))
    trade = serializers.ChoiceField(choices=Trade.choices)
    urgency = serializers.ChoiceField(
        choices=Urgency.choices,
        required=False,
        help_text=gettext_lazy("默认与事项的紧急程度一致（紧急维修开紧急工作单）"),
    )
    appointment_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    appointment_note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    technicians = ScopedPrimaryKeyRelatedField(
        queryset=Staff.objects.all(), many=True, required=False, default=list
    )
    description = _text(required=False)


class VersionSerializer(serializers.Serializer):
    """A one-tap step (accept, set out, arrive, complete)."""

    version = _version()


class AssignSerializer(VersionSerializer):
    """The technicians to send, lead first."""

    technicians = ScopedPrimaryKeyRelatedField(queryset=Staff.objects.all(), many=True)


class DiagnosisSerializer(VersionSerializer):
    """What is wrong, the repair plan and who is responsible."""

    diagnosis = _text(gettext_lazy("故障诊断（必填）"))
    plan = _text(gettext_lazy("维修方案（必填）"))
    responsibility = serializers.ChoiceField(
        choices=Attribution.choices, required=False, allow_blank=True, default=""
    )


class MaterialLineSerializer(VersionSerializer):
    """A material from the price list and the quantity used (up to three decimals)."""

    material = serializers.PrimaryKeyRelatedField(queryset=Material.objects.filter(active=True))
    quantity = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=0)


class VoidMaterialSerializer(VersionSerializer):
    """A material line entered by mistake."""

    line = serializers.IntegerField()


class ChargeSerializer(VersionSerializer):
    """Labour, and paid or warranty; leave ``paid`` out to take the warranty proposal."""

    labour = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    paid = serializers.BooleanField(required=False, allow_null=True, default=None)
    override_reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PhotoUploadSerializer(serializers.Serializer):
    """A photo from the phone's camera."""

    stage = serializers.ChoiceField(choices=PhotoStage.choices)
    file = serializers.FileField()
    version = _version()


class SignatureSerializer(VersionSerializer):
    """The resident's signature as a PNG data URL (data:image/png;base64,…), opinion and rating."""

    signature = serializers.CharField(help_text=gettext_lazy("PNG 图片的 data URL"))
    opinion = _text(required=False)
    rating = serializers.ChoiceField(choices=Rating.choices, required=False, allow_blank=True, default="")


class RefuseSignatureSerializer(VersionSerializer):
    """Why the resident would not sign."""

    reason = _text(gettext_lazy("拒签原因（必填）"), max_length=200)
    opinion = _text(required=False)


class PaymentSerializer(VersionSerializer):
    """The resident's payment of a paid job: it must equal the total."""

    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    receipt_no = serializers.CharField(max_length=40)


class CancelSerializer(VersionSerializer):
    """Why the order is cancelled."""

    reason = _text(gettext_lazy("取消原因（必填）"))


class ReworkSerializer(VersionSerializer):
    """Why the job is done again; technicians default to the same crew."""

    reason = _text(gettext_lazy("返工原因（必填）"))
    technicians = ScopedPrimaryKeyRelatedField(queryset=Staff.objects.all(), many=True, required=False)
    appointment_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ReinspectSerializer(VersionSerializer):
    """When to re-inspect with the resident; technicians default to the same crew."""

    technicians = ScopedPrimaryKeyRelatedField(queryset=Staff.objects.all(), many=True, required=False)
    appointment_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
