"""Sign-in failure counting for lockout."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInFailure(models.Model):
    """Counts failed sign-ins per login name; enough failures lock the name for a while."""

    login = models.CharField(_("登录名"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    first_failure_at = models.DateTimeField(_("首次失败时间"), null=True, blank=True)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    last_ip = models.GenericIPAddressField(_("最近 IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")

    def __str__(self) -> str:
        return f"{self.login}: {self.failures}"
