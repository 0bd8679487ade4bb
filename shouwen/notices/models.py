"""Notices to residents (通知公告, 003: 45 notices, 3,613 copies, 968 text messages in a year).

A notice belongs to one estate and reaches the whole estate, some buildings or some units. A clerk
drafts it (001 客服管理员 五: 一般通知的草拟、打印、校对), the customer-service supervisor publishes it
(001 客服主管 九: 社区宣传工作); a published notice is never deleted, only withdrawn, and every step is
an event with who and when. Publishing takes a snapshot of the households reached (the occupied units
of the audience), so "read" and "unread" are counted against a fixed list. The optional text message
goes once to each household phone whose resident has not opted out. The bulletin board of the estate
is renewed every two weeks (001 社区文化 (2)); each renewal is recorded.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    ESTATE = "estate", _("全小区")
    BUILDINGS = "buildings", _("部分楼栋")
    UNITS = "units", _("部分房屋")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class Notice(models.Model):
    """One notice of an estate: text, audience, validity, attachments, and its optional text message."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="notices", verbose_name=_("小区")
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    audience = models.CharField(_("范围"), max_length=10, choices=Audience.choices, default=Audience.ESTATE)
    buildings = models.ManyToManyField(
        "directory.Building", blank=True, related_name="notices", verbose_name=_("楼栋")
    )
    units = models.ManyToManyField(
        "directory.Unit", blank=True, related_name="notices", verbose_name=_("房屋")
    )
    valid_from = models.DateField(_("有效期自"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True, help_text=_("不填表示长期有效"))
    sms = models.BooleanField(_("同时发送短信"), default=False)
    sms_text = models.CharField(_("短信内容"), max_length=300, blank=True, default="")
    status = models.CharField(
        _("状态"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("拟稿人")
    )
    created_at = models.DateTimeField(_("拟稿时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("最后修改人")
    )
    updated_at = models.DateTimeField(_("最后修改时间"), default=timezone.now)
    published_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤回人"),
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True, default="")
    # The API client's Idempotency-Key of the request that wrote the draft: sent twice, one draft.
    idempotency_key = models.CharField(max_length=100, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["estate", "status", "-published_at"], name="notice_estate_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="notice_validity_ordered",
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="notice_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_current(self, today: object = None) -> bool:
        """Return whether the notice is published and within its validity period."""
        day = today or timezone.localdate()
        return (
            self.status == NoticeStatus.PUBLISHED
            and self.valid_from <= day  # type: ignore[operator]
            and (self.valid_until is None or day <= self.valid_until)  # type: ignore[operator]
        )


class EventKind(models.TextChoices):
    CREATED = "created", _("拟稿")
    EDITED = "edited", _("修改")
    ATTACHED = "attached", _("添加附件")
    PUBLISHED = "published", _("发布")
    WITHDRAWN = "withdrawn", _("撤回")


class NoticeEvent(models.Model):
    """One step in a notice's history: who did what and when (kept for ever)."""

    ESTATE_LOOKUP = "notice__estate"

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="events", verbose_name=_("通知")
    )
    kind = models.CharField(_("操作"), max_length=10, choices=EventKind.choices)
    by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.TextField(_("说明"), blank=True, default="")
    # What the notice said before an edit (title, body, audience, validity, SMS text).
    before = models.JSONField(_("修改前"), default=dict, blank=True)

    class Meta:
        verbose_name = _("通知记录")
        verbose_name_plural = _("通知记录")
        ordering = ["notice", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.notice} {self.get_kind_display()}"


def attachment_path(instance: NoticeAttachment, filename: str) -> str:
    """Store an attachment under the estate and month with a random name (the suffix of its sniffed type)."""
    from pathlib import Path

    suffix = Path(filename).suffix.lower()[:10]
    return f"notices/{instance.notice.estate.code}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class NoticeAttachment(models.Model):
    """A photo or PDF of a notice (type told from its content, served only through a checked view)."""

    ESTATE_LOOKUP = "notice__estate"

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("通知")
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
        verbose_name = _("通知附件")
        verbose_name_plural = _("通知附件")
        ordering = ["notice", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ReadVia(models.TextChoices):
    PORTAL = "portal", _("住户网页")
    LINK = "link", _("短信链接")


class NoticeHousehold(models.Model):
    """A household (an occupied unit of the audience) the notice reached when published, and its reading."""

    ESTATE_LOOKUP = "notice__estate"

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="households", verbose_name=_("通知")
    )
    unit = models.ForeignKey(
        "directory.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    read_by = models.ForeignKey(
        "directory.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("阅读人"),
    )
    read_via = models.CharField(_("阅读途径"), max_length=8, choices=ReadVia.choices, blank=True, default="")

    class Meta:
        verbose_name = _("通知送达户")
        verbose_name_plural = _("通知送达户")
        ordering = ["notice", "unit__building__code", "unit__entrance", "unit__number", "pk"]
        constraints = [models.UniqueConstraint(fields=["notice", "unit"], name="notice_household_once")]
        indexes = [models.Index(fields=["notice", "read_at"], name="notice_household_read")]

    def __str__(self) -> str:
        return f"{self.notice} · {self.unit}"


class SmsStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    HELD = "held", _("免打扰时段后发送")
    SENDING = "sending", _("发送中")
    RETRYING = "retrying", _("待重试")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    CANCELLED = "cancelled", _("通知已撤回，未发送")


SMS_DUE = (SmsStatus.PENDING, SmsStatus.HELD, SmsStatus.RETRYING)


class NoticeSms(models.Model):
    """One text message of a notice to one phone number: queued at publishing, sent once by the worker."""

    ESTATE_LOOKUP = "notice__estate"

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="messages", verbose_name=_("通知")
    )
    household = models.ForeignKey(
        NoticeHousehold, on_delete=models.PROTECT, related_name="messages", verbose_name=_("送达户")
    )
    resident = models.ForeignKey(
        "directory.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("住户")
    )
    phone = models.CharField(_("手机号码"), max_length=20)
    status = models.CharField(_("状态"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.PENDING)
    deliver_after = models.DateTimeField(_("不早于"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    first_try_at = models.DateTimeField(_("首次尝试时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    reference = models.CharField(_("网关回执"), max_length=100, blank=True, default="")
    error = models.CharField(_("失败原因"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("通知短信")
        verbose_name_plural = _("通知短信")
        ordering = ["notice", "pk"]
        constraints = [
            # Never twice to one number for one notice, whatever the retries or workers.
            models.UniqueConstraint(fields=["notice", "phone"], name="notice_sms_once_per_phone")
        ]
        indexes = [models.Index(fields=["status", "deliver_after"], name="notice_sms_due")]

    def __str__(self) -> str:
        return f"{self.notice} → {self.phone}"


class BoardRenewal(models.Model):
    """The estate's bulletin board was renewed (宣传栏每两周更换, 001 社区文化 (2)): by whom, when, with what."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="board_renewals", verbose_name=_("小区")
    )
    renewed_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("更换人")
    )
    renewed_at = models.DateTimeField(_("更换时间"), default=timezone.now)
    note = models.CharField(_("张贴内容"), max_length=200, blank=True, default="")
    notices = models.ManyToManyField(
        Notice, blank=True, related_name="board_renewals", verbose_name=_("张贴的通知")
    )

    class Meta:
        verbose_name = _("宣传栏更换")
        verbose_name_plural = _("宣传栏更换")
        ordering = ["-renewed_at", "-pk"]
        indexes = [models.Index(fields=["estate", "-renewed_at"], name="board_renewal_latest")]

    def __str__(self) -> str:
        return f"{self.estate} {self.renewed_at:%Y-%m-%d}"


class BoardReminder(models.Model):
    """A reminder sent to a supervisor that the board was not renewed for two weeks: once per lapse."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    renewal = models.ForeignKey(
        BoardRenewal, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("最近一次更换")
    )
    recipient = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("提醒对象")
    )
    sent_at = models.DateTimeField(_("提醒时间"), default=timezone.now)

    class Meta:
        verbose_name = _("宣传栏更换提醒")
        verbose_name_plural = _("宣传栏更换提醒")
        constraints = [
            models.UniqueConstraint(fields=["renewal", "recipient"], name="board_reminder_once_per_lapse")
        ]

    def __str__(self) -> str:
        return f"{self.estate} {self.sent_at:%Y-%m-%d}"
