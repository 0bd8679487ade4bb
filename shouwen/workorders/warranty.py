"""Warranty: is a repair free (within the warranty period) or a paid job (有偿服务)? (001 报修接待 ②)

The period starts on the unit's handover date (居家维修) or the public facility's in-service date
(公共维修) and lasts the trade's months from :class:`WarrantyRule`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.cases.models import Attribution
from shouwen.workorders.models import AppliesTo, OrderKind, WarrantyRule, WorkOrder


def add_months(start: date, months: int) -> date:
    """Return the same day ``months`` later, or the month's last day when it has no such day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def warranty_end(start: date, months: int) -> date:
    """Return the last day under warranty.

    民法典 第二百零一条: a period counted in months starts the day after the start date, so a two-year
    warranty from 2024-06-30 covers up to and including 2026-06-30.
    """
    return add_months(start, months)


@dataclass(frozen=True)
class Proposal:
    """What the warranty rules propose for a work order: paid or free, and why."""

    paid: bool
    reason: str
    start: date | None = None
    end: date | None = None
    months: int | None = None


def propose_charge(order: WorkOrder, today: date | None = None) -> Proposal:
    """Propose paid vs warranty for the order from its place's start date and the trade's rule."""
    today = today or timezone.localdate()
    if order.responsibility == Attribution.DEVELOPER:
        # Construction leftovers are the developer's to put right (001 入住 ⑤), never the resident's.
        return Proposal(paid=False, reason=_("开发商遗留问题，由开发商负责返修，住户免费。"))
    if order.kind == OrderKind.REWORK:
        return Proposal(paid=False, reason=_("返工：上次维修未修好，住户免费。"))
    if order.responsibility == Attribution.PROPERTY:
        return Proposal(paid=False, reason=_("责任在物业公司，住户免费。"))
    case = order.case
    if case.unit_id is not None:
        applies_to, start = AppliesTo.UNIT, case.unit.handover_date  # type: ignore[union-attr]
        start_label = _("交付日期")
    elif case.public_area_id is not None:
        applies_to, start = AppliesTo.PUBLIC, case.public_area.in_service_date  # type: ignore[union-attr]
        start_label = _("启用日期")
    else:
        return Proposal(paid=True, reason=_("未指明房屋或公共区域，无法确认保修，建议按有偿处理。"))
    rule = WarrantyRule.objects.filter(trade=order.trade, applies_to=applies_to, active=True).first()
    if rule is None or rule.months == 0:
        return Proposal(
            paid=True,
            reason=_("“%(trade)s”无保修规则，建议按有偿处理。") % {"trade": order.get_trade_display()},
        )
    if start is None:
        return Proposal(
            paid=True,
            reason=_("未登记%(what)s，无法确认保修，建议按有偿处理。") % {"what": start_label},
            months=rule.months,
        )
    end = warranty_end(start, rule.months)
    values = {"what": start_label, "start": start, "months": rule.months, "end": end}
    if today <= end:
        reason = _("%(what)s %(start)s，保修 %(months)s 个月至 %(end)s，在保修期内，建议免费。") % values
        return Proposal(paid=False, reason=reason, start=start, end=end, months=rule.months)
    reason = _("%(what)s %(start)s，保修 %(months)s 个月已于 %(end)s 到期，建议有偿服务。") % values
    return Proposal(paid=True, reason=reason, start=start, end=end, months=rule.months)
