"""A notification to one staff member, shown in the app and optionally sent by e-mail and SMS."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwen.core.i18n import payload_of, shown


class Kind(models.TextChoices):
    NEAR_DUE = "near_due", _("临期提醒")
    OVERDUE = "overdue", _("超时督办")
    ESCALATED = "escalated", _("升级督办")
    REPORTED = "reported", _("呈报")
    HANDOVER = "handover", _("转办待接收")
    CHASED = "chased", _("催办")
    INFO = "info", _("通知")


class Delivery(models.TextChoices):
    """Where an e-mail or SMS copy of a notification stands."""

    NONE = "none", _("不发送")
    PENDING = "pending", _("待发送")
    HELD = "held", _("免打扰时段后发送")
    # Claimed by one worker and being sent: a crash here must not lead to a second copy.
    SENDING = "sending", _("发送中")
    # A try failed (mail server down, gateway error): tried again later until the retry window ends.
    RETRYING = "retrying", _("待重试")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


# Statuses the worker picks up once their time has come.
DUE_STATUSES = (Delivery.PENDING, Delivery.HELD, Delivery.RETRYING)


class Notification(models.Model):
    """One message to one staff member; no ESTATE_LOOKUP on purpose: it is scoped by recipient, never by estate."""

    recipient = models.ForeignKey(
        "directory.Staff", on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("事项"),
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.INFO)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True, default="")
    # The title's and body's message ids and parameters, to show them in each reader's language.
    texts = models.JSONField(_("多语言文本"), default=dict, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True, default="")
    urgent = models.BooleanField(_("紧急（安全事项）"), default=False)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    email_status = models.CharField(_("邮件"), max_length=8, choices=Delivery.choices, default=Delivery.NONE)
    email_deliver_after = models.DateTimeField(_("邮件不早于"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    email_error = models.CharField(_("邮件失败原因"), max_length=300, blank=True, default="")
    email_attempts = models.PositiveSmallIntegerField(_("邮件尝试次数"), default=0)
    email_first_try_at = models.DateTimeField(_("邮件首次尝试时间"), null=True, blank=True)
    # Who is sending the copy now (status "sending"): a worker and a token of its own. A claim older than
    # SHOUWEN_DELIVERY_CLAIM_SECONDS belongs to a worker that died mid-send; another worker sends it again.
    email_claim = models.CharField(_("邮件发送者"), max_length=120, blank=True, default="", db_default="")
    email_claimed_at = models.DateTimeField(_("邮件开始发送时间"), null=True, blank=True)
    sms_status = models.CharField(_("短信"), max_length=8, choices=Delivery.choices, default=Delivery.NONE)
    sms_deliver_after = models.DateTimeField(_("短信不早于"), null=True, blank=True)
    sms_sent_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True)
    sms_error = models.CharField(_("短信失败原因"), max_length=300, blank=True, default="")
    sms_attempts = models.PositiveSmallIntegerField(_("短信尝试次数"), default=0)
    sms_first_try_at = models.DateTimeField(_("短信首次尝试时间"), null=True, blank=True)
    # Who is sending the copy now (status "sending"): a worker and a token of its own. A claim older than
    # SHOUWEN_DELIVERY_CLAIM_SECONDS belongs to a worker that died mid-send; another worker sends it again.
    sms_claim = models.CharField(_("短信发送者"), max_length=120, blank=True, default="", db_default="")
    sms_claimed_at = models.DateTimeField(_("短信开始发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The bell's unread COUNT on every page.
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            # "Mine, newest first".
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_new"),
            # The worker's scans for e-mail and SMS whose time has come.
            models.Index(fields=["email_status", "email_deliver_after"], name="notification_email_due"),
            models.Index(fields=["sms_status", "sms_deliver_after"], name="notification_sms_due"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the message ids of a system-written title and body (``shouwen.core.i18n``)."""
        for key, value in (("title", self.title), ("body", self.body)):
            payload = payload_of(value)
            if payload is not None:
                self.texts = {**(self.texts or {}), key: payload}
        super().save(*args, **kwargs)

    @property
    def shown_title(self) -> str:
        """The title in the reader's language."""
        return shown(self.title, (self.texts or {}).get("title"))

    @property
    def shown_body(self) -> str:
        """The body in the reader's language."""
        return shown(self.body, (self.texts or {}).get("body"))

    @property
    def is_read(self) -> bool:
        """Return whether the recipient has read it."""
        return self.read_at is not None
