"""Calendars, deadline policies, the deadlines of each case, pauses and escalations."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# PauseReason is declared by cases (pausing is a case action) and stays importable from here.
from shouwen.cases.models import PAUSE_NOTE_MAX, PauseReason, Urgency


class CalendarDay(models.Model):
    """A company's own holiday or working day; wins over the statutory calendar (调休 included)."""

    company = models.ForeignKey(
        "directory.Company",
        on_delete=models.CASCADE,
        related_name="calendar_days",
        verbose_name=_("物业公司"),
    )
    date = models.DateField(_("日期"))
    is_workday = models.BooleanField(_("工作日"), help_text=_("勾选为上班，不勾选为放假"))
    name = models.CharField(
        _("说明"), max_length=50, blank=True, default="", help_text=_("例如 春节、春节调休上班")
    )

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["company", "date"]
        constraints = [models.UniqueConstraint(fields=["company", "date"], name="calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class WorkingPeriod(models.Model):
    """One span of an estate's working hours on a working day (e.g. 08:30–12:00)."""

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.CASCADE, related_name="working_periods", verbose_name=_("小区")
    )
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))

    class Meta:
        verbose_name = _("工作时段")
        verbose_name_plural = _("工作时段")
        ordering = ["estate", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="working_period_ordered")
        ]

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


DEFAULT_PERIODS = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))


class DeadlineKind(models.TextChoices):
    HANDOVER_ACCEPT = "handover_accept", _("转办接收")
    ON_SITE = "on_site", _("维修到场")
    FIRST_ANSWER = "first_answer", _("首次答复")
    RESOLUTION = "resolution", _("办理完成")
    RETURN_VISIT = "return_visit", _("回访")


class Unit(models.TextChoices):
    MINUTES = "minutes", _("分钟（昼夜连续计）")
    HOURS = "hours", _("小时（昼夜连续计）")
    WORKING_MINUTES = "working_minutes", _("工作分钟")
    WORKING_HOURS = "working_hours", _("工作小时")
    CALENDAR_DAYS = "calendar_days", _("自然日（当天为 0）")
    WORKING_DAYS = "working_days", _("工作日")


class Remit(models.TextChoices):
    ANY = "", _("不限")
    OWN = "own", _("客服中心本部门处理")
    OTHER = "other", _("转其他部门处理")


class Level(models.TextChoices):
    ACCOUNTABLE = "accountable", _("当前责任人")
    SUPERVISOR = "supervisor", _("责任人的主管")
    OFFICE_DIRECTOR = "office_director", _("管理处主任")
    DEPUTY_GM = "deputy_gm", _("主管副总经理")


class RepairType(models.TextChoices):
    SAFETY = "safety", _("安全设施")
    LEAK = "leak", _("渗漏水")
    OTHER = "other", _("其他")


class DeadlinePolicy(models.Model):
    """A time limit from the rules, e.g. major complaints solved within 10 days (admin-editable)."""

    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("时限类型"), max_length=20, choices=DeadlineKind.choices)
    category = models.CharField(
        _("事项类别"), max_length=20, blank=True, default="", help_text=_("留空为全部类别")
    )
    severity = models.CharField(
        _("投诉等级"), max_length=10, blank=True, default="", help_text=_("留空为不限")
    )
    repair_type = models.CharField(
        _("维修类型"), max_length=10, choices=[("", _("不限")), *RepairType.choices], blank=True, default=""
    )
    remit = models.CharField(_("处理部门"), max_length=10, choices=Remit.choices, blank=True, default="")
    urgency = models.CharField(
        _("维修紧急程度"),
        max_length=10,
        choices=[("", _("不限")), *Urgency.choices],
        blank=True,
        default="",
    )
    amount = models.PositiveIntegerField(_("时限"))
    unit = models.CharField(_("单位"), max_length=20, choices=Unit.choices)
    near_ratio = models.DecimalField(
        _("临期提醒比例"),
        max_digits=3,
        decimal_places=2,
        default=0.8,
        help_text=_("用去多少时间时提醒责任人，例如 0.80"),
    )
    overdue_to = models.CharField(
        _("超时后督办"), max_length=20, choices=Level.choices, default=Level.SUPERVISOR
    )
    final_to = models.CharField(
        _("再次升级至"), max_length=20, choices=Level.choices, default=Level.OFFICE_DIRECTOR
    )
    final_after_ratio = models.DecimalField(
        _("再次升级时点"),
        max_digits=4,
        decimal_places=2,
        default=1.5,
        help_text=_("时限的倍数，例如 1.50 表示超时一半后再升级"),
    )
    safety = models.BooleanField(_("安全事项（夜间也通知）"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    source = models.CharField(_("依据"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["kind", "category", "severity", "pk"]

    def __str__(self) -> str:
        return self.name

    def specificity(self) -> int:
        """Return how many conditions the policy sets (the most specific matching policy wins)."""
        return sum(
            bool(v) for v in (self.category, self.severity, self.repair_type, self.remit, self.urgency)
        )


class PolicyChange(models.Model):
    """A change of a deadline policy: who, when, before and after (open cases are recomputed)."""

    policy = models.ForeignKey(
        DeadlinePolicy, on_delete=models.CASCADE, related_name="changes", verbose_name=_("时限规则")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("修改人"),
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    before = models.JSONField(_("修改前"), default=dict)
    after = models.JSONField(_("修改后"), default=dict)
    recomputed = models.PositiveIntegerField(_("重新计算的时限数"), null=True, blank=True)

    class Meta:
        verbose_name = _("时限规则修改记录")
        verbose_name_plural = _("时限规则修改记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.policy} {self.at:%Y-%m-%d %H:%M}"


class DeadlineState(models.TextChoices):
    RUNNING = "running", _("计时中")
    PAUSED = "paused", _("已暂停")
    MET = "met", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class Deadline(models.Model):
    """One time limit of one case, computed once and stored so that 'what is due' is an index scan."""

    ESTATE_LOOKUP = "case__estate"

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="deadlines", verbose_name=_("事项")
    )
    kind = models.CharField(_("时限类型"), max_length=20, choices=DeadlineKind.choices)
    policy = models.ForeignKey(
        DeadlinePolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("时限规则"),
    )
    handover = models.ForeignKey(
        "cases.Handover",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("转办"),
    )
    started_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    near_at = models.DateTimeField(_("临期提醒时间"), null=True, blank=True)
    final_at = models.DateTimeField(_("再次升级时间"), null=True, blank=True)
    # The next moment the sweep must look at this deadline; NULL when nothing more can happen.
    next_check_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=DeadlineState.choices, default=DeadlineState.RUNNING
    )
    level = models.PositiveSmallIntegerField(
        _("督办级别"), default=0, help_text=_("0 未提醒，1 临期提醒，2 超时督办，3 再次升级")
    )
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    margin_seconds = models.IntegerField(_("提前（正）/超时（负）秒数"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        ordering = ["case", "due_at", "pk"]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                name="deadline_next_check",
                condition=Q(state="running", next_check_at__isnull=False),
            ),
            models.Index(fields=["due_at"], name="deadline_due"),
            models.Index(fields=["case", "kind", "state"], name="deadline_case_kind"),
            # The reports: limits met in a month, and limits running past due now or in a month.
            models.Index(fields=["met_at"], name="deadline_met"),
            models.Index(fields=["due_at"], name="deadline_running_due", condition=Q(state="running")),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()}"

    @property
    def is_late(self) -> bool:
        """Return whether the deadline has passed (or was met late)."""
        if self.margin_seconds is not None:
            return self.margin_seconds < 0
        return (
            self.due_at is not None and self.state == DeadlineState.RUNNING and self.due_at < timezone.now()
        )


class Pause(models.Model):
    """A stop of the clock, for a reason from the list; paused time does not count."""

    ESTATE_LOOKUP = "case__estate"

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="pauses", verbose_name=_("事项")
    )
    reason = models.CharField(_("暂停原因"), max_length=20, choices=PauseReason.choices)
    note = models.CharField(_("说明"), max_length=PAUSE_NOTE_MAX)
    started_at = models.DateTimeField(_("暂停时间"), default=timezone.now)
    started_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("暂停人")
    )
    ended_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("恢复人"),
    )

    class Meta:
        verbose_name = _("暂停计时")
        verbose_name_plural = _("暂停计时")
        ordering = ["case", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_at__isnull=True), name="pause_one_open_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_reason_display()}"


class Escalation(models.Model):
    """A step of the escalation ladder: which deadline, which level, whom it went to, when."""

    ESTATE_LOOKUP = "case__estate"

    deadline = models.ForeignKey(
        Deadline, on_delete=models.PROTECT, related_name="escalations", verbose_name=_("时限")
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="escalations", verbose_name=_("事项")
    )
    level = models.PositiveSmallIntegerField(_("级别"))
    target = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="escalations", verbose_name=_("督办对象")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("已阅"), null=True, blank=True)
    handled_at = models.DateTimeField(_("已处理"), null=True, blank=True)
    handled_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    handling = models.TextField(_("处理情况"), blank=True, default="")

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-at"]
        indexes = [models.Index(fields=["target", "handled_at"], name="escalation_target_open")]
        constraints = [
            models.UniqueConstraint(fields=["deadline", "level", "target"], name="escalation_once_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.case} L{self.level} → {self.target}"
