"""Sign-in throttle counters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInThrottle(models.Model):
    """Sign-in attempts counted for one account or one client address; past the free ones, the next waits."""

    class Scope(models.TextChoices):
        ACCOUNT = "account", _("账号")
        ADDRESS = "address", _("客户端地址")

    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices)
    # "user:<id>" for a known account (its username and staff number alike), "name:<login>" for a
    # name that is nobody's, the IP address for an address.
    key = models.CharField(_("键"), max_length=190)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("账号"),
    )
    failures = models.PositiveIntegerField(_("失败次数"), default=0)
    refused = models.PositiveIntegerField(_("等待期间被拒次数"), default=0)
    last_failure_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)
    wait_until = models.DateTimeField(_("须等待至"), null=True, blank=True)
    last_ip = models.GenericIPAddressField(_("最近 IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="signin_throttle_scope_key")]
        indexes = [models.Index(fields=["last_failure_at"], name="signin_throttle_last_failure")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}: {self.failures}"
