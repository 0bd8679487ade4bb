"""The daily routine (000 篇2 九 1–2): patrol checkpoints, patrol daily reports and the morning review.

A patrol report (巡视日报表) belongs to one estate, one day and the staff member on patrol; it has one
line per checkpoint (normal, or a finding with text and photos); a finding that needs action links
to the public-area case it became. The supervisor's reading and the morning review are recorded
with who and when. Nothing here is deleted: a checkpoint no longer walked is switched off.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Checkpoint(models.Model):
    """A place the patrol looks at every day (大门岗, 车库, 电梯机房…), admin-editable per estate."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="checkpoints", verbose_name=_("小区")
    )
    name = models.CharField(_("巡视点"), max_length=40)
    hint = models.CharField(_("检查要点"), max_length=120, blank=True, default="")
    public_area = models.ForeignKey(
        "directory.PublicArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checkpoints",
        verbose_name=_("对应公共区域"),
        help_text=_("发现问题转为事项时，事项登记在此公共区域"),
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("巡视点")
        verbose_name_plural = _("巡视点")
        ordering = ["estate", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["estate", "name"], name="checkpoint_estate_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.public_area_id is not None and self.public_area.estate_id != self.estate_id:  # type: ignore[union-attr]
            raise ValidationError({"public_area": _("不属于所选小区。")})


class PatrolReport(models.Model):
    """One day's patrol report of one staff member in one estate, handed to the supervisor before leaving."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="patrol_reports", verbose_name=_("小区")
    )
    day = models.DateField(_("巡视日期"))
    patroller = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="patrol_reports", verbose_name=_("巡视人")
    )
    note = models.TextField(_("其他情况"), blank=True, default="")
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    due_at = models.DateTimeField(_("应交时间"), help_text=_("当班下班时间"))
    late = models.BooleanField(_("逾时提交"), default=False)
    read_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patrol_reports_read",
        verbose_name=_("审阅人"),
    )
    read_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("巡视日报表")
        verbose_name_plural = _("巡视日报表")
        ordering = ["-day", "-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "day", "patroller"], name="patrol_report_once_a_day")
        ]
        indexes = [models.Index(fields=["estate", "read_at"], name="patrol_report_unread")]

    def __str__(self) -> str:
        return f"{self.day} {self.patroller}"


class PatrolItem(models.Model):
    """One checkpoint of a report: normal, or a finding (text, photos, and the case it became)."""

    ESTATE_LOOKUP = "report__estate"

    report = models.ForeignKey(
        PatrolReport, on_delete=models.PROTECT, related_name="items", verbose_name=_("日报表")
    )
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="items", verbose_name=_("巡视点")
    )
    normal = models.BooleanField(_("正常"), default=True)
    finding = models.TextField(_("发现的问题"), blank=True, default="")
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patrol_items",
        verbose_name=_("转为事项"),
    )

    class Meta:
        verbose_name = _("巡视记录")
        verbose_name_plural = _("巡视记录")
        ordering = ["report", "checkpoint__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "checkpoint"], name="patrol_item_once_per_checkpoint"),
            models.CheckConstraint(
                condition=models.Q(normal=True) | ~models.Q(finding=""), name="patrol_finding_has_text"
            ),
        ]

    def __str__(self) -> str:
        return str(self.checkpoint)


def photo_path(instance: PatrolPhoto, filename: str) -> str:
    """Store a photo under the estate and month with a random name (the suffix of its sniffed type)."""
    from pathlib import Path

    suffix = Path(filename).suffix.lower()[:10]
    return f"patrol/{instance.report.estate.code}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class PatrolPhoto(models.Model):
    """A photo of a finding (type told from its content, size-limited, served only through a scoped view)."""

    ESTATE_LOOKUP = "report__estate"

    report = models.ForeignKey(
        PatrolReport, on_delete=models.PROTECT, related_name="photos", verbose_name=_("日报表")
    )
    item = models.ForeignKey(
        PatrolItem, on_delete=models.PROTECT, related_name="photos", verbose_name=_("巡视记录")
    )
    file = models.FileField(_("文件"), upload_to=photo_path)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=60)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("巡视照片")
        verbose_name_plural = _("巡视照片")
        ordering = ["item", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class MorningReview(models.Model):
    """The supervisor's mark that the morning review (每日翻阅) of an estate was done on a day."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="morning_reviews", verbose_name=_("小区")
    )
    day = models.DateField(_("翻阅日期"))
    period_start = models.DateField(_("翻阅范围自"))
    period_end = models.DateField(_("翻阅范围至"))
    reviewed_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="morning_reviews", verbose_name=_("翻阅人")
    )
    reviewed_at = models.DateTimeField(_("完成时间"), default=timezone.now)
    note = models.TextField(_("备注"), blank=True, default="")

    class Meta:
        verbose_name = _("每日翻阅")
        verbose_name_plural = _("每日翻阅")
        ordering = ["-day", "estate"]
        constraints = [models.UniqueConstraint(fields=["estate", "day"], name="morning_review_once_a_day")]

    def __str__(self) -> str:
        return f"{self.estate} {self.day}"
