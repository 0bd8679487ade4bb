"""Contacts (来电来访登记), cases, the accountability chain, handovers and the timeline.

Nothing here is ever deleted: every foreign key into a case or contact is PROTECT, no page or
API offers deletion, and a mistaken registration is voided with a reason instead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shouwen.core.i18n import payload_of, shown


class Channel(models.TextChoices):
    PHONE = "phone", _("来电")
    VISIT = "visit", _("来访")
    LETTER = "letter", _("来函")
    FAX = "fax", _("传真")
    EMAIL = "email", _("电子邮件")
    WEB = "web", _("网站/手机")
    PATROL = "patrol", _("巡视发现")
    NIGHT_LOG = "night_log", _("夜间值班记录")
    WECHAT = "wechat", _("微信公众号")


class Category(models.TextChoices):
    CONSULTATION = "consultation", _("咨询")
    SUGGESTION = "suggestion", _("意见建议")
    COMPLAINT = "complaint", _("投诉")
    PUBLIC_REPAIR = "public_repair", _("公共维修")
    HOUSEHOLD_REPAIR = "household_repair", _("居家维修")
    OTHER_SERVICE = "other_service", _("其它服务")
    PRAISE = "praise", _("表扬")
    MOVE_IN = "move_in", _("入住办理")
    DECORATION = "decoration", _("装修办理")
    ITEM_RELEASE = "item_release", _("物品放行")
    PAID_SERVICE = "paid_service", _("有偿/便民服务")
    FEE = "fee", _("缴费")
    ACCESS_CARD = "access_card", _("门禁卡/车卡")


PROCEDURE_CATEGORIES = frozenset(
    {
        Category.MOVE_IN,
        Category.DECORATION,
        Category.ITEM_RELEASE,
        Category.PAID_SERVICE,
        Category.FEE,
        Category.ACCESS_CARD,
    }
)
REPAIR_CATEGORIES = frozenset({Category.PUBLIC_REPAIR, Category.HOUSEHOLD_REPAIR})
# Resolved repairs and complaints wait for a return visit (回访) before they close.
RETURN_VISIT_CATEGORIES = REPAIR_CATEGORIES | {Category.COMPLAINT}


class Severity(models.TextChoices):
    MAJOR = "major", _("重大")
    IMPORTANT = "important", _("重要")
    MINOR = "minor", _("轻微")


class Urgency(models.TextChoices):
    """How soon a repair needs someone on site; its response and completion limits are sla policies."""

    EMERGENCY = "emergency", pgettext_lazy("urgency", "紧急")
    URGENT = "urgent", _("较急")
    NORMAL = "normal", _("一般")


class Attribution(models.TextChoices):
    PROPERTY = "property", _("物业公司")
    CONTRACTOR = "contractor", _("装修施工方")
    DEVELOPER = "developer", _("开发商遗留")
    NATURAL = "natural", _("自然因素")
    RESIDENT = "resident", _("住户或邻居")
    UNDETERMINED = "undetermined", _("待确定")


class CaseStatus(models.TextChoices):
    AWAITING_DOCUMENTS = "awaiting_documents", _("待补资料")
    OPEN = "open", _("处理中")
    RESOLVED = "resolved", _("已处理待回访")
    CLOSED = "closed", _("已办结")
    DECLINED = "declined", _("已婉拒")
    VOID = "void", _("已作废")


# Statuses in which somebody must be accountable for the case.
ACTIVE_STATUSES = frozenset({CaseStatus.AWAITING_DOCUMENTS, CaseStatus.OPEN, CaseStatus.RESOLVED})
TERMINAL_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.DECLINED, CaseStatus.VOID})


# A registration more than this after reception is shown as late (补登记) on the case page and in the API.
REGISTERED_LATE_AFTER = timedelta(minutes=5)


class Contact(models.Model):
    """One registered call, visit, letter… (来电来访登记), answered on the spot or opening a case."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    channel = models.CharField(_("来源"), max_length=12, choices=Channel.choices)
    received_at = models.DateTimeField(_("接待时间"), default=timezone.now, db_index=True)
    registered_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        related_name="contacts_registered",
        verbose_name=_("登记人"),
    )
    registered_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    caller_name = models.CharField(_("来电来访人"), max_length=60, blank=True, default="")
    caller_phone = models.CharField(_("联系电话"), max_length=20, blank=True, default="")
    resident = models.ForeignKey(
        "directory.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("住户"),
    )
    unit = models.ForeignKey(
        "directory.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("房屋"),
    )
    public_area = models.ForeignKey(
        "directory.PublicArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("公共区域"),
    )
    location = models.CharField(_("具体位置"), max_length=100, blank=True, default="")
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    content = models.TextField(_("内容"))
    answered_on_spot = models.BooleanField(_("当场答复"), default=False)
    answer = models.TextField(_("答复内容"), blank=True, default="")
    # Complaints: who or which department is complained about, what happened, what is asked.
    severity = models.CharField(
        _("投诉等级"), max_length=10, choices=Severity.choices, blank=True, default=""
    )
    complained_party = models.CharField(_("被投诉人"), max_length=60, blank=True, default="")
    complained_department = models.ForeignKey(
        "directory.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("被投诉部门"),
    )
    incident = models.TextField(_("发生经过"), blank=True, default="")
    demand = models.TextField(_("住户要求"), blank=True, default="")
    # Repairs: when the resident can receive a visit.
    preferred_time = models.CharField(_("方便上门时间"), max_length=60, blank=True, default="")
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("事项"),
    )

    class Meta:
        verbose_name = _("来电来访登记")
        verbose_name_plural = _("来电来访登记")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["estate", "received_at"], name="contact_estate_received"),
            # Search by a caller's full number (callers who are not residents): without it, every contact ever.
            models.Index(fields=["caller_phone"], name="contact_caller_phone"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_on_spot=False) | ~Q(answer=""), name="contact_on_spot_has_answer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.received_at:%Y-%m-%d %H:%M} {self.content[:20]}"

    @property
    def registration_delay(self) -> timedelta:
        """Return how long after reception the contact was registered (a letter, the night log…)."""
        return max(self.registered_at - self.received_at, timedelta(0))

    @property
    def registered_late(self) -> bool:
        """Return whether the contact was registered later than clock differences explain."""
        return self.registration_delay > REGISTERED_LATE_AFTER


class Case(models.Model):
    """A matter that was not settled on the spot: numbered, accountable, followed to the end."""

    ESTATE_LOOKUP = "estate"

    number = models.CharField(_("事项编号"), max_length=30, unique=True)
    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="cases", verbose_name=_("小区")
    )
    origin = models.OneToOneField(
        Contact, on_delete=models.PROTECT, related_name="opened_case", verbose_name=_("首次登记")
    )
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, db_index=True)
    severity = models.CharField(
        _("投诉等级"), max_length=10, choices=Severity.choices, blank=True, default=""
    )
    status = models.CharField(_("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    summary = models.CharField(_("摘要"), max_length=80)
    resident = models.ForeignKey(
        "directory.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("住户"),
    )
    unit = models.ForeignKey(
        "directory.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("房屋"),
    )
    public_area = models.ForeignKey(
        "directory.PublicArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("公共区域"),
    )
    first_contact = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        related_name="first_contact_cases",
        verbose_name=_("首问责任人"),
    )
    accountable = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accountable_cases",
        verbose_name=_("当前责任人"),
    )
    department = models.ForeignKey(
        "directory.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("处理部门"),
    )
    procedure = models.ForeignKey(
        "procedures.Procedure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("办理手续"),
    )
    attribution = models.CharField(
        _("责任归属"), max_length=14, choices=Attribution.choices, blank=True, default=""
    )
    attribution_note = models.CharField(_("归属说明"), max_length=200, blank=True, default="")
    resolution = models.TextField(_("处理结果"), blank=True, default="")
    status_reason = models.TextField(_("婉拒/作废原因"), blank=True, default="")
    documents_override_reason = models.CharField(
        _("资料未齐受理原因"), max_length=200, blank=True, default=""
    )
    assignment_requested = models.BooleanField(_("已请领导指派"), default=False)
    repair_type = models.CharField(
        _("维修类型"),
        max_length=10,
        blank=True,
        default="",
        choices=[("safety", _("安全设施")), ("leak", _("渗漏水")), ("other", _("其他"))],
    )
    requested_due = models.DateField(_("住户要求的期限"), null=True, blank=True)
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, blank=True, default="", help_text=_("维修事项")
    )
    paused_since = models.DateTimeField(_("暂停计时自"), null=True, blank=True)
    visit_count = models.PositiveSmallIntegerField(_("来访次数"), default=0)
    created_at = models.DateTimeField(_("立项时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    resolved_at = models.DateTimeField(_("处理完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["estate", "status", "created_at"], name="case_estate_status"),
            models.Index(fields=["accountable", "status"], name="case_accountable_status"),
            # The reports' month filters: received in the month, closed in the month, per estate.
            models.Index(fields=["estate", "created_at"], name="case_estate_created"),
            models.Index(fields=["estate", "closed_at"], name="case_estate_closed"),
        ]
        constraints = [
            # An active case always has somebody accountable; a finished one has nobody.
            models.CheckConstraint(
                condition=(
                    Q(status__in=sorted(ACTIVE_STATUSES), accountable__isnull=False)
                    | Q(status__in=sorted(TERMINAL_STATUSES), accountable__isnull=True)
                ),
                name="case_accountable_iff_active",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_active(self) -> bool:
        """Return whether the case still needs an accountable person."""
        return self.status in ACTIVE_STATUSES


class Responsibility(models.Model):
    """One link of the accountability chain: who held the case from when to when."""

    ESTATE_LOOKUP = "case__estate"

    class Via(models.TextChoices):
        REGISTERED = "registered", _("首问登记")
        HANDOVER = "handover", _("接收转办")
        REASSIGNED = "reassigned", _("领导指派")
        REOPENED = "reopened", _("重新打开")

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="responsibilities", verbose_name=_("事项")
    )
    holder = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="responsibilities", verbose_name=_("责任人")
    )
    started_at = models.DateTimeField(_("开始"), default=timezone.now)
    ended_at = models.DateTimeField(_("结束"), null=True, blank=True)
    via = models.CharField(_("方式"), max_length=12, choices=Via.choices)
    handover = models.ForeignKey(
        "cases.Handover",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转办"),
    )
    note = models.TextField(_("交接说明"), blank=True, default="")

    class Meta:
        verbose_name = _("责任人记录")
        verbose_name_plural = _("责任人记录")
        ordering = ["case", "started_at", "pk"]
        constraints = [
            # The database itself refuses a second current holder of one case.
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_at__isnull=True), name="responsibility_one_current_holder"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="responsibility_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.holder}"

    @property
    def duration(self) -> timedelta:
        """Return how long the holder held (or has held so far) the case."""
        return (self.ended_at or timezone.now()) - self.started_at


class HandoverStatus(models.TextChoices):
    PENDING = "pending", _("待接收")
    ACCEPTED = "accepted", _("已接收")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已撤回")


class Handover(models.Model):
    """A handover of a case to a department or a named person, pending until accepted."""

    ESTATE_LOOKUP = "case__estate"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("事项"))
    from_staff = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="handovers_given", verbose_name=_("移交人")
    )
    to_department = models.ForeignKey(
        "directory.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handovers",
        verbose_name=_("接收部门"),
    )
    to_staff = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handovers_received",
        verbose_name=_("接收人"),
    )
    note = models.TextField(_("交接说明"))
    status = models.CharField(
        _("状态"), max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.PENDING
    )
    created_at = models.DateTimeField(_("移交时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    reason = models.TextField(_("退回/撤回原因"), blank=True, default="")

    class Meta:
        verbose_name = _("转办")
        verbose_name_plural = _("转办")
        ordering = ["case", "created_at", "pk"]
        indexes = [
            models.Index(fields=["to_staff", "status"], name="handover_to_staff_status"),
            models.Index(fields=["to_department", "status"], name="handover_to_dept_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="handover_one_pending_per_case"
            ),
            models.CheckConstraint(
                condition=Q(to_department__isnull=False) | Q(to_staff__isnull=False),
                name="handover_has_receiver",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="handover_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.to_staff or self.to_department}"


class PauseReason(models.TextChoices):
    """Why the clock of a case may be stopped (暂停计时); no other reason stops it."""

    RESIDENT_DOCUMENTS = "resident_documents", _("等待住户提供资料")
    PARTS = "parts", _("等待配件")
    RESIDENT_POSTPONED = "resident_postponed", _("住户要求延后")


PAUSE_NOTE_MAX = 200  # the note of a pause, as kept with the pause by the deadline app


class CaseEvent(models.Model):
    """One entry of a case's timeline: who did what, when and why (append-only)."""

    ESTATE_LOOKUP = "case__estate"

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("登记立项")
        CONTACT = "contact", _("再次来电来访")
        HANDOVER = "handover", _("转办")
        HANDOVER_ACCEPTED = "handover_accepted", _("接收转办")
        HANDOVER_RETURNED = "handover_returned", _("退回转办")
        HANDOVER_CANCELLED = "handover_cancelled", _("撤回转办")
        KEPT = "kept", _("先行接收")
        ASSIGNMENT_REQUESTED = "assignment_requested", _("请领导指派")
        REASSIGNED = "reassigned", _("领导指派")
        CHASED = "chased", _("催办")
        ATTRIBUTION = "attribution", _("认定责任归属")
        DOCUMENTS = "documents", _("核对资料")
        NOTICE = "notice", _("一次性告知")
        ACCEPTED_FOR_PROCESSING = "accepted_for_processing", _("受理办理")
        NOTE = "note", _("内部备注")
        MESSAGE = "message", _("答复住户")
        ATTACHMENT = "attachment", _("上传附件")
        RESOLVED = "resolved", _("处理完成")
        REOPENED = "reopened", _("重新打开")
        CLOSED = "closed", _("办结")
        DECLINED = "declined", _("婉拒")
        VOIDED = "voided", _("作废")
        RECEIPT_SENT = "receipt_sent", _("发送回执短信")
        PAUSED = "paused", _("暂停计时")
        RESUMED = "resumed", _("恢复计时")
        REPORTED = "reported", _("呈报")
        NEAR_DUE = "near_due", _("临期提醒")
        ESCALATED = "escalated", _("超时督办")
        WORK_ORDER = "work_order", _("维修工作单")
        RETURN_VISIT = "return_visit", _("回访")
        RETURN_VISIT_FAILED = "return_visit_failed", _("回访未接通")
        CORRECTED = "corrected", _("更正登记")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("事项"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    text = models.TextField(_("说明"), blank=True, default="")
    data = models.JSONField(_("数据"), default=dict, blank=True)
    # A system sentence's message id and parameters, to show the text in each reader's language.
    i18n = models.JSONField(_("多语言文本"), null=True, blank=True, default=None)

    class Meta:
        verbose_name = _("事项记录")
        verbose_name_plural = _("事项记录")
        ordering = ["case", "at", "pk"]
        # The reports find the month's reopenings without reading every timeline.
        indexes = [models.Index(fields=["kind", "at"], name="caseevent_kind_at")]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep a system sentence's message id beside its text (``shouwen.core.i18n``)."""
        payload = payload_of(self.text)
        if payload is not None:
            self.i18n = payload
        super().save(*args, **kwargs)

    @property
    def shown_text(self) -> str:
        """The entry's text in the reader's language (a sentence the system wrote), else as written."""
        return shown(self.text, self.i18n)


class CaseNote(models.Model):
    """An internal note, or a message given to the resident, kept apart."""

    ESTATE_LOOKUP = "case__estate"

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("内部备注")
        TO_RESIDENT = "to_resident", _("答复住户")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes", verbose_name=_("事项"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    author = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("填写人")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    text = models.TextField(_("内容"))

    class Meta:
        verbose_name = _("备注与答复")
        verbose_name_plural = _("备注与答复")
        ordering = ["case", "at", "pk"]

    def __str__(self) -> str:
        return self.text[:30]


def attachment_path(instance: Attachment, filename: str) -> str:
    """Store attachments by estate and month, under a random name."""
    import uuid
    from pathlib import Path

    suffix = Path(filename).suffix.lower()[:10]
    return f"cases/{instance.case.estate.code}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A photo or document attached to a case (type and size checked on upload)."""

    ESTATE_LOOKUP = "case__estate"

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("事项")
    )
    file = models.FileField(_("文件"), upload_to=attachment_path)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=60)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["case", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class CaseDocument(models.Model):
    """Whether the resident has provided one required document of the case's procedure."""

    ESTATE_LOOKUP = "case__estate"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents", verbose_name=_("事项"))
    item = models.ForeignKey(
        "procedures.ChecklistItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("资料")
    )
    provided = models.BooleanField(_("已提供"), default=False)
    ticked_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核对人"),
    )
    ticked_at = models.DateTimeField(_("核对时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("资料核对")
        verbose_name_plural = _("资料核对")
        ordering = ["case", "item__order", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "item"], name="case_document_unique")]

    def __str__(self) -> str:
        return f"{self.case} {self.item}"


class OneTimeNotice(models.Model):
    """A one-time notice (一次性告知) of everything still missing, as given to the resident."""

    ESTATE_LOOKUP = "case__estate"

    class Channel(models.TextChoices):
        PRINTED = "printed", _("打印交给住户")
        SMS = "sms", _("短信")
        SPOKEN = "spoken", _("当面/电话告知")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notices", verbose_name=_("事项"))
    given_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("告知人")
    )
    given_at = models.DateTimeField(_("告知时间"), default=timezone.now)
    channel = models.CharField(_("告知方式"), max_length=10, choices=Channel.choices)
    missing = models.JSONField(_("缺少的资料"), default=list)
    text = models.TextField(_("告知内容"))

    class Meta:
        verbose_name = _("一次性告知")
        verbose_name_plural = _("一次性告知")
        ordering = ["case", "given_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.given_at:%Y-%m-%d}"


class CaseCounter(models.Model):
    """The last sequence number used for an estate's cases on one day (for case numbers)."""

    estate = models.ForeignKey("directory.Estate", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["estate", "day"], name="case_counter_unique_day")]

    def __str__(self) -> str:
        return f"{self.estate_id} {self.day} {self.last}"


class IdempotencyRecord(models.Model):
    """Remembers an intake request by its Idempotency-Key so a retry returns the same result."""

    user = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return self.key


class SavedView(models.Model):
    """A queue view a staff member saved for themselves: a name and the list's query string."""

    owner = models.ForeignKey(
        "directory.Staff", on_delete=models.CASCADE, related_name="saved_views", verbose_name=_("员工")
    )
    name = models.CharField(_("名称"), max_length=40)
    query = models.CharField(_("筛选条件"), max_length=500)
    created_at = models.DateTimeField(_("保存时间"), default=timezone.now)

    class Meta:
        verbose_name = _("保存的视图")
        verbose_name_plural = _("保存的视图")
        ordering = ["owner", "name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return self.name
