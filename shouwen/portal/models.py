"""Residents' sign-in codes and API tokens, and their requests to cancel a matter.

A resident is not a Django user: a signed-in resident is a resident id in the session (or a token
of this app), never a staff account. Codes and tokens are stored only as keyed hashes.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignInCode(models.Model):
    """One text-message code asked for a phone number (known to the directory or not)."""

    phone = models.CharField(_("手机号"), max_length=20)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("请求地址"), null=True, blank=True)
    # Whether a text message went out (the number belongs to a resident); the answer is the same either way.
    sent = models.BooleanField(_("已发送"), default=False)

    class Meta:
        verbose_name = _("登录验证码")
        verbose_name_plural = _("登录验证码")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["phone", "created_at"], name="portal_code_phone"),
            models.Index(fields=["ip", "created_at"], name="portal_code_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"


class FailedCodeCheck(models.Model):
    """A wrong or expired code typed from an address (counted per address against guessing)."""

    phone = models.CharField(_("手机号"), max_length=20)
    ip = models.GenericIPAddressField(_("请求地址"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("验证码错误记录")
        verbose_name_plural = _("验证码错误记录")
        indexes = [models.Index(fields=["ip", "at"], name="portal_failed_ip")]

    def __str__(self) -> str:
        return f"{self.ip} {self.at:%Y-%m-%d %H:%M}"


class ResidentToken(models.Model):
    """A resident's API token for the portal API: only its hash is kept; it expires."""

    resident = models.ForeignKey(
        "directory.Resident", on_delete=models.CASCADE, related_name="portal_tokens", verbose_name=_("住户")
    )
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("令牌开头"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("住户接口令牌")
        verbose_name_plural = _("住户接口令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.prefix}…"


class CancelRequest(models.Model):
    """A resident asks the desk to cancel a matter: the desk decides; nothing is deleted."""

    ESTATE_LOOKUP = "case__estate"

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        ACCEPTED = "accepted", _("已同意撤销")
        REFUSED = "refused", _("继续办理")

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="cancel_requests", verbose_name=_("事项")
    )
    resident = models.ForeignKey(
        "directory.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("住户")
    )
    reason = models.TextField(_("撤销原因"))
    at = models.DateTimeField(_("申请时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    handled_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    answer = models.TextField(_("答复住户"), blank=True, default="")

    class Meta:
        verbose_name = _("撤销申请")
        verbose_name_plural = _("撤销申请")
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="pending"), name="portal_one_pending_cancel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_status_display()}"


class ReportKey(models.Model):
    """A resident's report remembered by its Idempotency-Key (the API's header, the page's form key)."""

    resident = models.ForeignKey("directory.Resident", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resident", "key"], name="portal_report_key_unique")]

    def __str__(self) -> str:
        return self.key
