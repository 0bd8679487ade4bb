"""An estate's mailbox (IMAP settings) and every e-mail received or sent through it.

A received message is kept whether it was registered or not (an auto-reply, a bounce): its row
is what makes polling idempotent, one row per Message-ID and direction in each mailbox.
"""

from __future__ import annotations

import os

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS（通常端口 993）")
    STARTTLS = "starttls", _("STARTTLS（通常端口 143）")
    NONE = "none", _("不加密（仅限本机或内网）")


class Mailbox(models.Model):
    """The mailbox residents write to for one estate, read over IMAP; replies leave from its address."""

    ESTATE_LOOKUP = "estate"

    estate = models.OneToOneField(
        "directory.Estate", on_delete=models.PROTECT, related_name="mailbox", verbose_name=_("小区")
    )
    address = models.EmailField(_("邮箱地址"), help_text=_("住户写信的地址，也是答复邮件的发件地址"))
    imap_host = models.CharField(_("IMAP 服务器"), max_length=200)
    imap_port = models.PositiveIntegerField(_("IMAP 端口"), default=993)
    security = models.CharField(_("加密方式"), max_length=10, choices=Security.choices, default=Security.SSL)
    username = models.CharField(_("登录名"), max_length=200)
    password = models.CharField(_("密码"), max_length=200, blank=True, default="")
    password_env = models.CharField(
        _("密码环境变量"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("填写后从服务器的这个环境变量读取密码，不在数据库中保存密码"),
    )
    folder = models.CharField(_("收件文件夹"), max_length=100, default="INBOX")
    registrar = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
        help_text=_("来信登记为此人的来电来访（该部门排班时由当班人员登记）"),
    )
    active = models.BooleanField(_("启用"), default=True)
    last_polled_at = models.DateTimeField(_("最近收信时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True, default="")

    class Meta:
        verbose_name = _("小区邮箱")
        verbose_name_plural = _("小区邮箱")
        ordering = ["estate"]

    def __str__(self) -> str:
        return self.address

    def imap_password(self) -> str:
        """Return the IMAP password: from the named environment variable if one is set, else as stored."""
        if self.password_env:
            return os.environ.get(self.password_env, "")
        return self.password


class Direction(models.TextChoices):
    IN = "in", _("收到")
    OUT = "out", _("发出")


class MailStatus(models.TextChoices):
    REGISTERED = "registered", _("已登记为新事项")
    JOINED = "joined", _("已加入原事项")
    AUTO_REPLY = "auto_reply", _("自动回复，未登记")
    BOUNCE = "bounce", _("退信，未登记")
    OWN = "own", _("本邮箱发出，未登记")
    SENT = "sent", _("已发送")


NOT_REGISTERED = frozenset({MailStatus.AUTO_REPLY, MailStatus.BOUNCE, MailStatus.OWN})


class MailMessage(models.Model):
    """One e-mail received in or sent from an estate's mailbox (never deleted)."""

    ESTATE_LOOKUP = "mailbox__estate"

    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.PROTECT, related_name="messages", verbose_name=_("邮箱")
    )
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    status = models.CharField(_("处理结果"), max_length=12, choices=MailStatus.choices)
    message_id = models.CharField(_("Message-ID"), max_length=255)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True, default="")
    references = models.TextField(_("References"), blank=True, default="")
    subject = models.CharField(_("主题"), max_length=255, blank=True, default="")
    from_address = models.CharField(_("发件地址"), max_length=254, blank=True, default="")
    from_name = models.CharField(_("发件人"), max_length=100, blank=True, default="")
    reply_to = models.CharField(_("回复地址"), max_length=254, blank=True, default="")
    to_addresses = models.TextField(_("收件地址"), blank=True, default="")
    sent_at = models.DateTimeField(_("发信时间"), null=True, blank=True)
    text = models.TextField(_("正文"), blank=True, default="")
    html_only = models.BooleanField(_("原文仅有 HTML"), default=False)
    headers = models.JSONField(_("邮件头"), default=dict, blank=True)
    attachments = models.JSONField(_("附件"), default=list, blank=True)
    reason = models.CharField(_("识别依据"), max_length=200, blank=True, default="")
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mail_messages",
        verbose_name=_("事项"),
    )
    contact = models.ForeignKey(
        "cases.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mail_messages",
        verbose_name=_("来电来访登记"),
    )
    note = models.ForeignKey(
        "cases.CaseNote",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mail_messages",
        verbose_name=_("答复住户"),
    )
    author = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发送人"),
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("电子邮件")
        verbose_name_plural = _("电子邮件")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The same message polled twice (or by two workers) is kept, and registered, once.
            models.UniqueConstraint(
                fields=["mailbox", "direction", "message_id"], name="mailmessage_unique_id"
            ),
            models.CheckConstraint(
                condition=Q(direction="out", author__isnull=False) | Q(direction="in"),
                name="mailmessage_sent_has_author",
            ),
        ]
        indexes = [
            models.Index(fields=["mailbox", "message_id"], name="mailmessage_mailbox_id"),
            models.Index(fields=["case", "created_at"], name="mailmessage_case_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.subject[:40]}"
