"""Targets of the rates, the weights of the quarterly assessment and its entered scores.

The figures themselves are never stored: :mod:`shouwen.reports.services` computes them from the
cases, deadlines, work orders and return visits each time, so a report always agrees with the records.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shouwen.core.history import history_user

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class RateCode(models.TextChoices):
    """Every rate the reports compute (definitions in :data:`shouwen.reports.services.DEFINITIONS`)."""

    COMPLAINT_TIMELINESS = "complaint_timeliness", _("投诉处理及时率")
    COMPLAINT_COMPLETION = "complaint_completion", _("投诉处理完成率")
    REPAIR_COMPLETION = "repair_completion", _("报修完成率")
    REPAIR_TIMELINESS = "repair_timeliness", _("报修及时完成率")
    RETURN_VISIT = "return_visit", _("回访率")
    SATISFACTION = "satisfaction", _("综合满意率")
    SATISFACTION_REPAIR = "satisfaction_repair", _("维修回访满意率")
    SATISFACTION_COMPLAINT = "satisfaction_complaint", _("投诉回访满意率")
    SATISFACTION_ONSITE = "satisfaction_onsite", _("维修现场评价满意率")
    SERVICE_TIMELINESS = "service_timeliness", _("服务及时率")


class Target(models.Model):
    """The target of one rate (e.g. overall satisfaction ≥ 90%), edited by the administrator."""

    code = models.CharField(_("指标"), max_length=30, choices=RateCode.choices, unique=True)
    percent = models.DecimalField(_("目标（%）"), max_digits=5, decimal_places=2, validators=PERCENT)
    source = models.CharField(_("依据"), max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        "auth.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改人"),
    )
    history = HistoricalRecords(get_user=history_user)  # every change of a target: who, when, before → after

    class Meta:
        verbose_name = _("考核目标")
        verbose_name_plural = _("考核目标")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.get_code_display()} ≥ {self.percent}%"


class AssessmentWeights(models.Model):
    """How the quarterly department score weighs its four inputs (004 服务质量管理办法), per company."""

    company = models.OneToOneField(
        "directory.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("物业公司")
    )
    self_check = models.DecimalField(
        _("月度自查权重（%）"), max_digits=5, decimal_places=2, validators=PERCENT
    )
    inspection = models.DecimalField(
        _("检查评分权重（%）"), max_digits=5, decimal_places=2, validators=PERCENT
    )
    survey = models.DecimalField(_("调查满意率权重（%）"), max_digits=5, decimal_places=2, validators=PERCENT)
    complaints = models.DecimalField(_("投诉权重（%）"), max_digits=5, decimal_places=2, validators=PERCENT)
    points_per_complaint = models.DecimalField(
        _("每宗有效投诉扣分"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=PERCENT,
        help_text=_("投诉得分 = 100 − 被投诉宗数 × 每宗扣分，最低 0 分"),
    )
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        "auth.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改人"),
    )
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("季度考核权重")
        verbose_name_plural = _("季度考核权重")
        constraints = [
            models.CheckConstraint(
                condition=Q(self_check__gte=0, inspection__gte=0, survey__gte=0, complaints__gte=0),
                name="assessment_weights_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.self_check}/{self.inspection}/{self.survey}/{self.complaints}"

    @property
    def total(self) -> Decimal:
        """Return the sum of the four weights (100 when the weights are complete)."""
        return self.self_check + self.inspection + self.survey + self.complaints


class DepartmentAssessment(models.Model):
    """The scores of one department's quarter that are not in the system, as entered by the director."""

    ESTATE_LOOKUP = "department__estate"

    department = models.ForeignKey(
        "directory.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("部门")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(
        _("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    self_check_score = models.DecimalField(
        _("月度自查得分"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    inspection_score = models.DecimalField(
        _("检查评分"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    survey_satisfaction = models.DecimalField(
        _("问卷调查满意率（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text=_("留空则用系统中该部门事项的回访满意率"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")
    entered_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    history = HistoricalRecords(get_user=history_user)  # a corrected score keeps the one it replaced

    class Meta:
        verbose_name = _("部门季度考核")
        verbose_name_plural = _("部门季度考核")
        ordering = ["-year", "-quarter", "department"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "year", "quarter"], name="assessment_one_per_quarter"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="assessment_quarter_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.year}Q{self.quarter}"


class SummaryStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class MonthlySummary(models.Model):
    """One revision of an estate's monthly summary and next month's plan (月度工作总结及下月工作计划).

    Drafted from the month's figures, edited by the supervisor and submitted by the 30th
    (000 篇2 九 5); a submitted revision is never changed: a change is a new revision.
    """

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    revision = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=10, choices=SummaryStatus.choices, default=SummaryStatus.DRAFT
    )
    summary = models.TextField(_("本月工作总结"), blank=True, default="")
    plan = models.TextField(_("下月工作计划"), blank=True, default="")
    figures = models.JSONField(_("生成时的数据"), default=dict, blank=True)
    generated_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )

    class Meta:
        verbose_name = _("月度工作总结")
        verbose_name_plural = _("月度工作总结")
        ordering = ["-month", "estate", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "month", "revision"], name="monthly_summary_unique_revision"
            ),
            models.UniqueConstraint(
                fields=["estate", "month"],
                condition=Q(status="draft"),
                name="monthly_summary_one_draft",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False, submitted_by__isnull=False),
                name="monthly_summary_submitted_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.estate} {self.month:%Y-%m} v{self.revision}"


class SummaryReminder(models.Model):
    """A reminder sent to a supervisor that the month's summary is not submitted (once per month)."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    month = models.DateField(_("月份"))
    recipient = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("提醒对象")
    )
    sent_at = models.DateTimeField(_("提醒时间"), default=timezone.now)

    class Meta:
        verbose_name = _("月度总结提醒")
        verbose_name_plural = _("月度总结提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "month", "recipient"], name="summary_reminder_once_a_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.estate} {self.month:%Y-%m} {self.recipient}"
