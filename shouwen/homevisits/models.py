"""Home visits (走访): the area of each service assistant, the daily plan and the visit records.

The plan of a day is stored when it is first asked for, so the list an assistant works through
stays the same all day; which households it names is decided in :mod:`shouwen.homevisits.planning`.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shouwen.core.history import history_user


class VisitArea(models.Model):
    """The buildings one service assistant visits (走访责任区), set by the supervisor."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="visit_areas", verbose_name=_("小区")
    )
    assistant = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="visit_areas", verbose_name=_("客服助理")
    )
    buildings = models.ManyToManyField(
        "directory.Building", related_name="visit_areas", blank=True, verbose_name=_("负责楼栋")
    )
    cycle_start = models.DateField(
        _("走访周期开始日期"),
        default=timezone.localdate,
        help_text=_("从未走访的住户须在此日起一年内走访"),
    )
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改人"),
    )
    history = HistoricalRecords(get_user=history_user, m2m_fields=[buildings])

    class Meta:
        verbose_name = _("走访责任区")
        verbose_name_plural = _("走访责任区")
        ordering = ["estate", "assistant"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "assistant"], name="visit_area_one_per_assistant")
        ]

    def __str__(self) -> str:
        return f"{self.estate} {self.assistant}"


class PlanItem(models.Model):
    """One household on an assistant's plan for one day."""

    ESTATE_LOOKUP = "area__estate"

    area = models.ForeignKey(
        VisitArea, on_delete=models.PROTECT, related_name="plan_items", verbose_name=_("责任区")
    )
    day = models.DateField(_("计划日期"))
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    unit = models.ForeignKey(
        "directory.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    last_visited = models.DateField(_("上次走访"), null=True, blank=True)
    visit = models.ForeignKey(
        "homevisits.HomeVisit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_items",
        verbose_name=_("走访记录"),
    )

    class Meta:
        verbose_name = _("走访计划")
        verbose_name_plural = _("走访计划")
        ordering = ["area", "day", "position"]
        constraints = [models.UniqueConstraint(fields=["area", "day", "unit"], name="plan_item_unique_unit")]
        indexes = [models.Index(fields=["area", "day"], name="plan_item_area_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.unit}"


class Outcome(models.TextChoices):
    VISITED = "visited", _("已走访")
    NOBODY_HOME = "nobody_home", _("无人在家")
    REFUSED = "refused", _("住户婉拒")


class HomeVisit(models.Model):
    """One home visit: the call that arranged it, who went, what came of it and what the household said."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="home_visits", verbose_name=_("小区")
    )
    unit = models.ForeignKey(
        "directory.Unit", on_delete=models.PROTECT, related_name="home_visits", verbose_name=_("房屋")
    )
    resident = models.ForeignKey(
        "directory.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="home_visits",
        verbose_name=_("住户"),
    )
    visitor = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="home_visits", verbose_name=_("走访人")
    )
    companion = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("同行人员"),
    )
    phoned_at = models.DateTimeField(_("电话预约时间"), null=True, blank=True)
    visited_at = models.DateTimeField(_("上门时间"))
    entered_home = models.BooleanField(_("入户"), default=False)
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices)
    note_left = models.BooleanField(_("已留便条"), default=False)
    opinions = models.TextField(_("住户意见建议"), blank=True, default="")
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="home_visits",
        verbose_name=_("转为事项"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "outcome", "visited_at"], name="home_visit_unit_outcome"),
            models.Index(fields=["estate", "visited_at"], name="home_visit_estate_time"),
        ]
        constraints = [
            # Entering a home takes two staff (001 服务规范 (5)).
            models.CheckConstraint(
                condition=Q(entered_home=False) | Q(companion__isnull=False), name="home_visit_two_to_enter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.visited_at:%Y-%m-%d}"

    @property
    def visited_day(self) -> date:
        """Return the local day of the visit."""
        return timezone.localdate(self.visited_at)
