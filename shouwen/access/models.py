"""The personal-data access log: who revealed whose phone or ID number, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PersonalDataAccess(models.Model):
    """Records one reveal of a resident's personal data (REQUIREMENTS §13)."""

    ESTATE_LOOKUP = "estate"

    class Field(models.TextChoices):
        PHONE = "phone", _("电话号码")
        ID_NUMBER = "id_number", _("证件号码")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("查看人")
    )
    # Empty for a number looked up that matched nobody (the row still says who searched for it).
    resident = models.ForeignKey(
        "directory.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_log",
        verbose_name=_("住户"),
    )
    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    fields = models.CharField(_("查看内容"), max_length=40)
    channel = models.CharField(
        _("途径"),
        max_length=10,
        choices=[
            ("page", _("页面")),
            ("api", _("接口")),
            ("export", _("Excel 导出")),
            ("search", _("按号码查找")),
        ],
    )
    searched = models.CharField(_("查找的号码"), max_length=30, blank=True, default="")
    reason = models.CharField(_("事由"), max_length=200, blank=True, default="")
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at", "-pk"]
        # Counting a user's recent number lookups (the hourly limit) reads this index only.
        indexes = [models.Index(fields=["user", "channel", "at"], name="access_user_channel_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} → {self.resident or self.searched}"

    def field_labels(self) -> str:
        """Return the revealed fields as display labels."""
        labels = dict(self.Field.choices)
        return "、".join(str(labels.get(f, f)) for f in self.fields.split(",") if f)
