"""Desk procedures and their required documents, for the one-time notice (一次性告知)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Procedure(models.Model):
    """A desk procedure with a checklist of documents, e.g. move-in by a proxy (委托代办入住)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    category = models.CharField(
        _("事项类别"), max_length=20, help_text=_("与来电来访登记的类别对应，例如 move_in")
    )
    name = models.CharField(_("名称"), max_length=60)
    description = models.TextField(_("说明"), blank=True, default="")
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("办理手续")
        verbose_name_plural = _("办理手续")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One document or step a procedure needs (admin-editable)."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="items", verbose_name=_("手续")
    )
    text = models.CharField(_("所需资料"), max_length=120)
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")
    required = models.BooleanField(_("必需"), default=True)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("所需资料")
        verbose_name_plural = _("所需资料")
        ordering = ["procedure", "order", "pk"]

    def __str__(self) -> str:
        return self.text
