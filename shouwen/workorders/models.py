"""Work orders (维修工作单), their materials and photos, the price list and the warranty rules.

A work order belongs to a repair case and records what the seeds ask of the paper form: the repair
plan, who is responsible, the cost, the technicians and the resident's opinion and signature
(000 篇2 五 3–4). Nothing is deleted: every foreign key is PROTECT and no page, API or admin screen
offers deletion; a mistaken work order is cancelled with a reason, a mistaken material line voided.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shouwen.cases.models import Attribution

if TYPE_CHECKING:
    from shouwen.directory.models import Staff


class Trade(models.TextChoices):
    PLUMBING = "plumbing", _("水电-给排水")
    ELECTRICAL = "electrical", _("电气")
    LIFT = "lift", _("电梯")
    DOORS = "doors", _("门窗门禁")
    CIVIL = "civil", _("土建")
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", pgettext_lazy("urgency", "紧急")
    NORMAL = "normal", _("一般")


class State(models.TextChoices):
    CREATED = "created", _("待接单")
    ACCEPTED = "accepted", _("已接单")
    ON_WAY = "on_way", _("已出发")
    ARRIVED = "arrived", _("已到场")
    DIAGNOSED = "diagnosed", _("已诊断")
    DONE = "done", _("已完工")
    CANCELLED = "cancelled", _("已取消")


# States in which the work still lies ahead (the case cannot be resolved yet).
OPEN_STATES = frozenset({State.CREATED, State.ACCEPTED, State.ON_WAY, State.ARRIVED, State.DIAGNOSED})


class OrderKind(models.TextChoices):
    REPAIR = "repair", _("维修")
    REWORK = "rework", _("返工")
    REINSPECTION = "reinspection", _("复检")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("转账")
    QR = "qr", _("扫码")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    FAIR = "fair", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class AppliesTo(models.TextChoices):
    UNIT = "unit", _("房屋（居家维修）")
    PUBLIC = "public", _("公共区域/设施")


class MaterialUnit(models.TextChoices):
    PIECE = "个", _("个")
    METRE = "米", _("米")
    SET = "套", _("套")
    SQUARE_METRE = "平方米", _("平方米")
    KILOGRAM = "千克", _("千克")


def _stored_name(folder: str, instance: WorkOrder | WorkOrderPhoto, suffix: str) -> str:
    order = instance if isinstance(instance, WorkOrder) else instance.work_order
    return f"workorders/{order.case.estate.code}/{timezone.now():%Y/%m}/{folder}/{uuid.uuid4().hex}{suffix}"


def signature_path(instance: WorkOrder, filename: str) -> str:
    """Store signatures by estate and month under a random name (always PNG)."""
    return _stored_name("signatures", instance, ".png")


def photo_path(instance: WorkOrderPhoto, filename: str) -> str:
    """Store photos by estate and month under a random name with the suffix of the real type."""
    return _stored_name("photos", instance, Path(filename).suffix.lower()[:10])


class WorkOrder(models.Model):
    """A work order (维修工作单) sent to technicians for one repair case."""

    ESTATE_LOOKUP = "case__estate"

    number = models.CharField(_("工作单号"), max_length=40, unique=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("事项")
    )
    kind = models.CharField(_("类型"), max_length=14, choices=OrderKind.choices, default=OrderKind.REPAIR)
    trade = models.CharField(_("工种"), max_length=12, choices=Trade.choices)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.CREATED)
    appointment_at = models.DateTimeField(_("预约上门时间"), null=True, blank=True, db_index=True)
    appointment_note = models.CharField(_("预约说明"), max_length=200, blank=True, default="")
    description = models.TextField(_("报修内容"), blank=True, default="")
    technicians: models.ManyToManyField[Staff, WorkOrderTechnician] = models.ManyToManyField(
        "directory.Staff",
        through="WorkOrderTechnician",
        related_name="work_orders",
        blank=True,
        verbose_name=_("维修人员"),
    )
    created_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("开单人")
    )
    created_at = models.DateTimeField(_("开单时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    on_way_at = models.DateTimeField(_("出发时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    diagnosed_at = models.DateTimeField(_("诊断时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完工时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("取消原因"), blank=True, default="")
    diagnosis = models.TextField(_("故障诊断"), blank=True, default="")
    plan = models.TextField(_("维修方案"), blank=True, default="")
    responsibility = models.CharField(
        _("维修责任"), max_length=14, choices=Attribution.choices, blank=True, default=""
    )
    # The charge: None until decided. paid_proposed is what the warranty rules said.
    paid = models.BooleanField(_("有偿"), null=True, blank=True)
    paid_proposed = models.BooleanField(_("系统建议有偿"), null=True, blank=True)
    paid_proposal_reason = models.CharField(_("建议依据"), max_length=200, blank=True, default="")
    paid_override_reason = models.CharField(_("改变建议的原因"), max_length=200, blank=True, default="")
    labour = models.DecimalField(_("人工费"), max_digits=10, decimal_places=2, default=Decimal("0.00"))
    materials_total = models.DecimalField(
        _("材料费"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    total = models.DecimalField(_("合计"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    resident_opinion = models.TextField(_("住户意见"), blank=True, default="")
    resident_rating = models.CharField(
        _("住户评价"), max_length=12, choices=Rating.choices, blank=True, default=""
    )
    signature = models.FileField(_("住户签字"), upload_to=signature_path, blank=True, default="")
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    signature_refused_reason = models.CharField(_("住户拒签原因"), max_length=200, blank=True, default="")
    payment_method = models.CharField(
        _("付款方式"), max_length=10, choices=PaymentMethod.choices, blank=True, default=""
    )
    payment_amount = models.DecimalField(
        _("实收金额"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    receipt_no = models.CharField(_("收据号"), max_length=40, blank=True, default="")
    paid_at = models.DateTimeField(_("收费时间"), null=True, blank=True)
    payment_recorded_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("收费人"),
    )
    rework_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("原工作单"),
    )
    # Move-in defects: the case is not finished until a re-inspection of this order is done (001 入住 ⑤).
    needs_reinspection = models.BooleanField(_("需复检"), default=False)
    night_call_at = models.DateTimeField(_("夜间来电时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("维修工作单")
        verbose_name_plural = _("维修工作单")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "appointment_at"], name="workorder_state_appointment"),
            models.Index(fields=["case", "state"], name="workorder_case_state"),
            models.Index(fields=["done_at"], name="workorder_done"),  # the reports' month
        ]
        constraints = [
            # Overriding the warranty proposal is allowed, but never silently.
            models.CheckConstraint(
                condition=Q(paid__isnull=True)
                | Q(paid_proposed__isnull=True)
                | Q(paid=F("paid_proposed"))
                | ~Q(paid_override_reason=""),
                name="workorder_override_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(done_at__isnull=False), name="workorder_done_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | ~Q(cancel_reason=""), name="workorder_cancel_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(signature="") | Q(signature_refused_reason=""),
                name="workorder_signed_or_refused",
            ),
            models.CheckConstraint(
                condition=Q(paid_at__isnull=True) | Q(paid=True), name="workorder_payment_only_if_paid"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        """Return whether the work still lies ahead."""
        return self.state in OPEN_STATES

    @property
    def signature_settled(self) -> bool:
        """Return whether the resident signed or the refusal was recorded."""
        return bool(self.signature) or bool(self.signature_refused_reason)

    @property
    def payment_settled(self) -> bool:
        """Return whether nothing is (or no longer is) owed for this order."""
        return self.paid is False or self.paid_at is not None

    @property
    def amount_due(self) -> Decimal:
        """Return what the resident pays: the total for a paid job, nothing under warranty."""
        return self.total if self.paid else Decimal("0.00")


class WorkOrderTechnician(models.Model):
    """One technician on a work order; the one in position 0 leads."""

    ESTATE_LOOKUP = "work_order__case__estate"

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, related_name="crew", verbose_name=_("工作单")
    )
    staff = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("维修人员")
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    assigned_at = models.DateTimeField(_("派工时间"), default=timezone.now)
    # Reassignment ends a row instead of deleting it, so who was sent when stays on record.
    removed_at = models.DateTimeField(_("撤换时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("维修人员")
        verbose_name_plural = _("维修人员")
        ordering = ["work_order", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "staff"],
                condition=Q(removed_at__isnull=True),
                name="workorder_technician_once",
            ),
            models.UniqueConstraint(
                fields=["work_order", "position"],
                condition=Q(removed_at__isnull=True),
                name="workorder_technician_position",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order} {self.staff}"


class Material(models.Model):
    """An item of the materials price list (admin-editable; old prices stay on past work orders)."""

    name = models.CharField(_("名称"), max_length=60)
    spec = models.CharField(_("规格"), max_length=60, blank=True, default="")
    unit = models.CharField(
        _("计量单位"), max_length=6, choices=MaterialUnit.choices, default=MaterialUnit.PIECE
    )
    unit_price = models.DecimalField(_("单价"), max_digits=10, decimal_places=2)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("材料价目")
        verbose_name_plural = _("材料价目")
        ordering = ["name", "spec"]
        constraints = [
            models.UniqueConstraint(fields=["name", "spec"], name="material_unique_name_spec"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="material_price_not_negative"),
        ]

    def __str__(self) -> str:
        spec = f"（{self.spec}）" if self.spec else ""
        return f"{self.name}{spec} ¥{self.unit_price}/{self.unit}"


class WorkOrderMaterial(models.Model):
    """A material used on a work order, with the price at the time (a snapshot of the price list)."""

    ESTATE_LOOKUP = "work_order__case__estate"

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, related_name="materials", verbose_name=_("工作单")
    )
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+", verbose_name=_("材料"))
    name = models.CharField(_("名称规格"), max_length=130)
    unit = models.CharField(_("计量单位"), max_length=6)
    quantity = models.DecimalField(_("数量"), max_digits=10, decimal_places=3)
    unit_price = models.DecimalField(_("单价"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2)
    added_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    added_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    # A line entered by mistake is voided, not deleted, and no longer counts.
    voided_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作单材料")
        verbose_name_plural = _("工作单材料")
        ordering = ["work_order", "added_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="workorder_material_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("维修前")
    AFTER = "after", _("维修后")


class WorkOrderPhoto(models.Model):
    """A photo taken before or after the repair (type and size checked on upload)."""

    ESTATE_LOOKUP = "work_order__case__estate"

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, related_name="photos", verbose_name=_("工作单")
    )
    stage = models.CharField(_("阶段"), max_length=8, choices=PhotoStage.choices)
    file = models.FileField(_("照片"), upload_to=photo_path)
    content_type = models.CharField(_("类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("维修照片")
        verbose_name_plural = _("维修照片")
        ordering = ["work_order", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.work_order} {self.get_stage_display()}"


class WarrantyRule(models.Model):
    """How long a trade's work is under warranty, for units or for public facilities (admin-editable)."""

    trade = models.CharField(_("工种"), max_length=12, choices=Trade.choices)
    applies_to = models.CharField(_("适用于"), max_length=8, choices=AppliesTo.choices)
    months = models.PositiveSmallIntegerField(_("保修期（月）"))
    source = models.CharField(_("依据"), max_length=300, blank=True, default="")
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("保修规则")
        verbose_name_plural = _("保修规则")
        ordering = ["applies_to", "trade"]
        constraints = [
            models.UniqueConstraint(fields=["trade", "applies_to"], name="warranty_rule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_trade_display()} · {self.get_applies_to_display()} · {self.months}"
