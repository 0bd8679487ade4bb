"""Sign-in throttle counters and API tokens."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from knox.models import AbstractAuthToken


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


class ApiToken(AbstractAuthToken):
    """A staff member's API token: only its hash is kept; it expires and can be revoked by its owner."""

    # A plain id to name the token in pages and forms; the digest stays out of every page.
    id: models.BigAutoField[int, int] = models.BigAutoField(primary_key=True)
    digest: models.CharField[str, str] = models.CharField(
        pgettext_lazy("token", "摘要"), max_length=128, unique=True
    )
    # knox's fields again, with names people read in the admin.
    token_key: models.CharField[str, str] = models.CharField(_("令牌开头"), max_length=25, db_index=True)
    user: models.ForeignKey[User, User] = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="auth_token_set",
        verbose_name=_("账号"),
    )
    created: models.DateTimeField[datetime, datetime] = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expiry: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        pgettext_lazy("token", "到期时间"), null=True, blank=True
    )
    name: models.CharField[str, str] = models.CharField(_("用途"), max_length=100, blank=True, default="")
    last_used_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        _("最近使用"), null=True, blank=True
    )
    revoked_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        pgettext_lazy("token", "撤销时间"), null=True, blank=True
    )
    revoked_by: models.ForeignKey[User | None, User | None] = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @property
    def prefix(self) -> str:
        """Return the first characters of the token, enough for its owner to tell tokens apart."""
        return self.token_key[:8]

    def is_usable(self) -> bool:
        """Return whether the token still authenticates (not revoked, not expired)."""
        return self.revoked_at is None and (self.expiry is None or self.expiry > timezone.now())
