"""Duty: the shifts of an estate, who is rostered on which, handover sheets and the night log (001 值班制度)."""

from __future__ import annotations

from datetime import time

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ShiftKind(models.TextChoices):
    DAY = "day", _("白班")
    NOON = "noon", _("午间值班")
    NIGHT = "night", _("夜班")


# The seeds' times (001 客户服务中心值班制度 二): (start, end, summer start, summer end).
DEFAULT_TIMES: dict[str, tuple[time, time, time, time]] = {
    ShiftKind.DAY: (time(8, 30), time(17, 30), time(8, 30), time(18, 0)),
    ShiftKind.NOON: (time(12, 0), time(13, 30), time(12, 0), time(14, 0)),
    ShiftKind.NIGHT: (time(17, 30), time(8, 30), time(18, 0), time(8, 30)),
}


class Shift(models.Model):
    """One kind of shift of an estate with its times (a time of end before the start ends the next day)."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="shifts", verbose_name=_("小区")
    )
    kind = models.CharField(_("班次"), max_length=8, choices=ShiftKind.choices)
    starts = models.TimeField(_("开始时间"))
    ends = models.TimeField(_("结束时间"))
    summer_starts = models.TimeField(_("夏季开始时间"))
    summer_ends = models.TimeField(_("夏季结束时间"))
    summer_from_month = models.PositiveSmallIntegerField(_("夏季起始月份"), default=5)
    summer_to_month = models.PositiveSmallIntegerField(_("夏季结束月份"), default=9)
    accept_within_minutes = models.PositiveSmallIntegerField(
        _("接班确认时限（分钟）"),
        default=15,
        help_text=_("交班时间过后多少分钟仍未接班确认，即提醒主管（值班人员应提前15分钟到岗）"),
    )

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["estate", "starts"]
        constraints = [models.UniqueConstraint(fields=["estate", "kind"], name="duty_shift_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.estate} {self.get_kind_display()}"


class RosterEntry(models.Model):
    """One person on one shift on one day (the shift starts that day)."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="roster", verbose_name=_("小区")
    )
    date = models.DateField(_("日期"), db_index=True)
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="entries", verbose_name=_("班次"))
    staff = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="roster", verbose_name=_("值班人员")
    )
    created_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("排班")
        verbose_name_plural = _("排班")
        ordering = ["date", "shift__starts", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "date", "staff"], name="duty_roster_once_per_shift")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.shift.get_kind_display()} {self.staff}"


class EquipmentItem(models.Model):
    """A tool or piece of equipment counted over at every handover (001 交接班制度 三)."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="equipment", verbose_name=_("小区")
    )
    name = models.CharField(_("名称"), max_length=60)
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    active = models.BooleanField(_("在用"), default=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("交接物品")
        verbose_name_plural = _("交接物品")
        ordering = ["estate", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class SheetStatus(models.TextChoices):
    WAITING = "waiting", _("待接班确认")
    ACCEPTED = "accepted", _("已接班")


class HandoverSheet(models.Model):
    """The outgoing person's written handover of a shift; accepted by the incoming person."""

    ESTATE_LOOKUP = "estate"
    # Within the estate, a sheet is seen by its two people and the supervisors (the rule lives here).
    SEEN_BY = "shouwen.duty.sheets.sheets_for"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="handover_sheets", verbose_name=_("小区")
    )
    entry = models.ForeignKey(
        RosterEntry, on_delete=models.PROTECT, related_name="sheets", verbose_name=_("交班班次")
    )
    outgoing = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="sheets_given", verbose_name=_("交班人")
    )
    incoming = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="sheets_taken", verbose_name=_("接班人")
    )
    shift_starts_at = models.DateTimeField(_("班次开始"))
    shift_ends_at = models.DateTimeField(_("班次结束"))
    accept_by = models.DateTimeField(_("接班确认时限"), db_index=True)
    created_at = models.DateTimeField(_("交班时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=10, choices=SheetStatus.choices, default=SheetStatus.WAITING, db_index=True
    )
    notes = models.TextField(_("交班说明"), blank=True, default="")
    accepted_at = models.DateTimeField(_("接班时间"), null=True, blank=True)
    alerted_at = models.DateTimeField(_("提醒主管时间"), null=True, blank=True)
    # What could have been done within the shift but was left (001 值班制度 七): the outgoing person's
    # open cases whose first-answer or resolution deadline fell inside the shift and was not met.
    left_over = models.PositiveIntegerField(_("本班可办未办"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("交接班记录")
        verbose_name_plural = _("交接班记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.entry} → {self.incoming}"


class ItemSection(models.TextChoices):
    HELD = "held", _("在办事项")
    PENDING_OUT = "pending_out", _("已转出待对方接收")
    PENDING_IN = "pending_in", _("转给本人待接收")


class SheetCase(models.Model):
    """One case on a handover sheet; ``pass_on`` ones pass to the incoming person on acceptance."""

    ESTATE_LOOKUP = "sheet__estate"

    sheet = models.ForeignKey(HandoverSheet, on_delete=models.CASCADE, related_name="cases")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("事项"))
    section = models.CharField(_("类别"), max_length=12, choices=ItemSection.choices)
    due_at = models.DateTimeField(_("最近时限"), null=True, blank=True)
    due_next_shift = models.BooleanField(_("下一班到期"), default=False)
    pass_on = models.BooleanField(_("交给接班人"), default=False)
    handover = models.ForeignKey(
        "cases.Handover", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("交接结果"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["section", "due_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["sheet", "case"], name="duty_sheet_case_once")]

    def __str__(self) -> str:
        return f"{self.sheet_id} {self.case_id}"


class SheetEquipment(models.Model):
    """The count of one tool or piece of equipment at the handover: present, lent out, missing."""

    ESTATE_LOOKUP = "sheet__estate"

    sheet = models.ForeignKey(HandoverSheet, on_delete=models.CASCADE, related_name="equipment")
    name = models.CharField(_("名称"), max_length=60)
    expected = models.PositiveSmallIntegerField(_("应有"), default=1)
    present = models.PositiveSmallIntegerField(_("在位"), default=0)
    lent = models.PositiveSmallIntegerField(_("借出"), default=0)
    missing = models.PositiveSmallIntegerField(_("缺失"), default=0)
    note = models.CharField(_("说明"), max_length=100, blank=True, default="")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class NightStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    CASE = "case", _("已立项")
    HANDLED = "handled", _("已处理答复")


class NightLogEntry(models.Model):
    """One call of the night log (夜间值班记录表); the morning handover turns each into a case or an answer."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="night_log", verbose_name=_("小区")
    )
    recorded_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="night_log", verbose_name=_("值班人员")
    )
    called_at = models.DateTimeField(_("来电时间"), db_index=True)
    caller_name = models.CharField(_("来电人"), max_length=50, blank=True, default="")
    caller_phone = models.CharField(_("联系电话"), max_length=20, blank=True, default="")
    place = models.CharField(_("地点"), max_length=100, blank=True, default="")
    content = models.TextField(_("来电内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=NightStatus.choices, default=NightStatus.OPEN, db_index=True
    )
    contact = models.ForeignKey(
        "cases.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记"),
    )
    answer = models.TextField(_("处理答复"), blank=True, default="")
    resolved_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("夜间值班记录")
        verbose_name_plural = _("夜间值班记录")
        ordering = ["-called_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.called_at:%m-%d %H:%M} {self.content[:20]}"
