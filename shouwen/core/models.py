"""Settings an administrator may change at run time: request rates."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwen.env import parse_rate


def validate_rate(value: str) -> None:
    """Refuse a rate that is not "N/s", "N/min", "N/hour" or "N/day"."""
    try:
        parse_rate("rate", value)
    except ImproperlyConfigured:
        raise ValidationError(
            _("“%(value)s”不是有效的频率，应写成“次数/单位”，如 120/min（单位：s、min、hour、day）。"),
            params={"value": value},
        ) from None


class ThrottleRate(models.Model):
    """The allowed request rate of one throttle scope, overriding the default from the settings."""

    class Scope(models.TextChoices):
        USER_READ = "user_read", _("接口读取（每个账号）")
        USER_WRITE = "user_write", _("接口写入（每个账号）")
        ANON = "anon", _("未登录的接口请求（每个地址）")
        SIGN_IN = "sign_in", _("登录页提交（每个地址）")

    scope = models.CharField(_("范围"), max_length=20, choices=Scope.choices, unique=True)
    rate = models.CharField(
        _("频率"), max_length=20, validators=[validate_rate], help_text=_("如 120/min、1000/hour、20/s")
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改人"),
    )

    class Meta:
        verbose_name = _("限流设置")
        verbose_name_plural = _("限流设置")
        ordering = ["scope"]

    def __str__(self) -> str:
        return f"{self.get_scope_display()}: {self.rate}"


class Lease(models.Model):
    """Which worker runs a periodic job (the deadline sweep) in the current period.

    Every worker asks; a conditional UPDATE settles it in the database, so the job runs once per
    period however many workers there are. The holder keeps it while it lives; when it dies, its
    lease expires and another worker takes the next period (shouwen.core.leases).
    """

    name = models.CharField(_("任务"), max_length=50, unique=True)
    holder = models.CharField(_("执行者"), max_length=120, blank=True, default="")
    period_start = models.DateTimeField(_("最近一次所属周期"), null=True, blank=True)
    expires_at = models.DateTimeField(_("租约到期"), null=True, blank=True)
    started_at = models.DateTimeField(_("最近一次开始"), null=True, blank=True)
    finished_at = models.DateTimeField(_("最近一次结束"), null=True, blank=True)
    duration = models.FloatField(_("最近一次用时（秒）"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("运行次数"), default=0)

    class Meta:
        verbose_name = _("定时任务租约")
        verbose_name_plural = _("定时任务租约")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
