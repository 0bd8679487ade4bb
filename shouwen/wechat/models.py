"""The official account of an estate, its followers, every message they sent, and the status pushes."""

from __future__ import annotations

import os

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# WeChat's server configuration accepts a token of 3–32 letters and digits.
TOKEN_VALIDATOR = RegexValidator(r"^[A-Za-z0-9]{3,32}$", _("令牌应为 3–32 位英文字母或数字。"))
APP_ID_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9_-]{4,32}$", _("AppID 只能包含英文字母、数字、下划线和连字符。")
)


class WechatAccount(models.Model):
    """An estate's official account: what WeChat's server configuration page holds.

    The token and the AppSecret are secrets: the admin form never shows them back and the API only
    says whether they are set. ``SHOUWEN_WECHAT_TOKEN_<APPID>`` in the environment, when present,
    wins over the stored token, so a company may keep it out of the database.
    """

    ESTATE_LOOKUP = "estate"

    estate = models.OneToOneField(
        "directory.Estate", on_delete=models.PROTECT, related_name="wechat_account", verbose_name=_("小区")
    )
    name = models.CharField(_("公众号名称"), max_length=60)
    app_id = models.CharField(_("AppID"), max_length=32, unique=True, validators=[APP_ID_VALIDATOR])
    original_id = models.CharField(
        _("原始ID"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("gh_ 开头；填写后只接受发给该公众号的消息"),
    )
    token = models.CharField(
        _("令牌(Token)"), max_length=32, blank=True, default="", validators=[TOKEN_VALIDATOR]
    )
    app_secret = models.CharField(_("AppSecret"), max_length=64, blank=True, default="")
    template_id = models.CharField(
        _("进度通知模板ID"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("事项状态变化时推送的模板消息"),
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("微信公众号")
        verbose_name_plural = _("微信公众号")
        ordering = ["estate"]

    def __str__(self) -> str:
        return f"{self.name} ({self.app_id})"

    def server_token(self) -> str:
        """Return the token the signatures are computed with (the environment's wins)."""
        return os.environ.get(f"SHOUWEN_WECHAT_TOKEN_{self.app_id.upper()}", "") or self.token


class Follower(models.Model):
    """A WeChat user who follows an account (known by openid), bound to a resident once verified."""

    ESTATE_LOOKUP = "account__estate"

    account = models.ForeignKey(
        WechatAccount, on_delete=models.PROTECT, related_name="followers", verbose_name=_("公众号")
    )
    openid = models.CharField(_("OpenID"), max_length=64)
    subscribed = models.BooleanField(_("关注中"), default=True)
    subscribed_at = models.DateTimeField(_("关注时间"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("取消关注时间"), null=True, blank=True)
    resident = models.ForeignKey(
        "directory.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wechat_followers",
        verbose_name=_("绑定住户"),
    )
    bound_at = models.DateTimeField(_("绑定时间"), null=True, blank=True)
    first_seen_at = models.DateTimeField(_("首次来信"), default=timezone.now)
    last_message_at = models.DateTimeField(_("最近来信"), null=True, blank=True)

    class Meta:
        verbose_name = _("公众号粉丝")
        verbose_name_plural = _("公众号粉丝")
        ordering = ["account", "-last_message_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["account", "openid"], name="wechat_follower_unique")]

    def __str__(self) -> str:
        return self.openid


class MessageType(models.TextChoices):
    TEXT = "text", _("文字")
    IMAGE = "image", _("图片")
    EVENT = "event", _("事件")
    OTHER = "other", _("其它")


class InboundMessage(models.Model):
    """One message or event WeChat delivered, kept as it came; WeChat's retries find it by its key.

    ``key`` is the MsgId of a message, or openid and CreateTime of an event (events have no MsgId),
    so the three retries WeChat sends within 15 seconds answer with the stored reply and register
    nothing again. Nothing a follower sent is deleted.
    """

    ESTATE_LOOKUP = "account__estate"

    account = models.ForeignKey(
        WechatAccount, on_delete=models.PROTECT, related_name="+", verbose_name=_("公众号")
    )
    follower = models.ForeignKey(
        Follower, on_delete=models.PROTECT, related_name="messages", verbose_name=_("粉丝")
    )
    key = models.CharField(_("消息标识"), max_length=80)
    msg_type = models.CharField(_("类型"), max_length=10, choices=MessageType.choices)
    raw_type = models.CharField(_("原始类型"), max_length=20, blank=True, default="")
    event = models.CharField(_("事件"), max_length=32, blank=True, default="")
    content = models.TextField(_("内容"), blank=True, default="")
    pic_url = models.CharField(_("图片地址"), max_length=500, blank=True, default="")
    media_id = models.CharField(_("媒体ID"), max_length=128, blank=True, default="")
    sent_at = models.DateTimeField(_("发送时间"))
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    contact = models.ForeignKey(
        "cases.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("事项"),
    )
    attachment = models.ForeignKey(
        "cases.Attachment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("附件"),
    )
    reply = models.TextField(_("自动回复"), blank=True, default="")

    class Meta:
        verbose_name = _("公众号来信")
        verbose_name_plural = _("公众号来信")
        ordering = ["-received_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="wechat_message_unique_key")]
        indexes = [models.Index(fields=["follower", "received_at"], name="wechat_message_follower")]

    def __str__(self) -> str:
        return f"{self.follower} {self.msg_type} {self.sent_at:%Y-%m-%d %H:%M}"


class PushStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class TemplatePush(models.Model):
    """A status change of a case pushed to a bound follower as a template message, sent by the worker.

    One row per follower and timeline event, so the event handler running twice pushes once.
    """

    ESTATE_LOOKUP = "follower__account__estate"

    follower = models.ForeignKey(
        Follower, on_delete=models.PROTECT, related_name="pushes", verbose_name=_("粉丝")
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("事项"))
    event = models.ForeignKey(
        "cases.CaseEvent", on_delete=models.PROTECT, related_name="+", verbose_name=_("事项记录")
    )
    status_text = models.CharField(_("状态"), max_length=100)
    remark = models.CharField(_("说明"), max_length=200, blank=True, default="")
    status = models.CharField(
        _("发送状态"), max_length=10, choices=PushStatus.choices, default=PushStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_try_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    reference = models.CharField(_("回执"), max_length=100, blank=True, default="")
    error = models.CharField(_("失败原因"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("模板消息推送")
        verbose_name_plural = _("模板消息推送")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["follower", "event"], name="wechat_push_once")]
        indexes = [models.Index(fields=["status", "next_try_at"], name="wechat_push_due")]

    def __str__(self) -> str:
        return f"{self.case} → {self.follower}: {self.status_text}"
