"""Repairs that come in outside the desk: night-duty calls and move-in inspection defects.

Night (001 值班制度 四–五): the night technician registers each call in the night log; what can be
repaired is repaired, the rest is scheduled for the next morning as a work order. Move-in (001 入住
⑤): every defect found at the inspection becomes a household repair against the developer, with a
work order that must be re-inspected with the resident before the case is finished.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.cases import services as case_services
from shouwen.cases.models import Attribution, Category, Channel, Contact
from shouwen.directory.models import Estate, Occupancy, OccupancyRole, PublicArea, Resident, Staff, Unit
from shouwen.workorders.models import Trade, Urgency, WorkOrder
from shouwen.workorders.services import create_work_order, schedule_night_work_order

# A night call may be registered late, but not from the future nor from before the last shift.
NIGHT_CALL_LOOKBACK = timedelta(hours=24)
CLOCK_SKEW = timedelta(minutes=2)
# When the day shift starts (001 值班制度 二: night duty ends at 08:30).
MORNING = time(8, 30)

# Words that tell the trade of a defect, checked in this order (电梯 before 电, 渗 before 水).
_TRADE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Trade.LIFT, ("电梯",)),
    (Trade.CIVIL, ("渗", "防水", "空鼓", "裂", "墙", "瓷砖", "地砖", "天花", "顶棚", "抹灰", "起砂")),
    (Trade.PLUMBING, ("水管", "龙头", "马桶", "下水", "堵", "阀", "地漏", "漏水", "水表", "给水", "排水")),
    (Trade.DOORS, ("门", "窗", "锁", "玻璃")),
    (Trade.ELECTRICAL, ("电", "灯", "开关", "插座", "跳闸", "线路")),
)


def guess_trade(text: str) -> str:
    """Suggest the trade of a defect or repair from its description."""
    for trade, words in _TRADE_WORDS:
        if any(w in text for w in words):
            return trade
    return Trade.OTHER


def next_morning(when: datetime) -> datetime:
    """Return the start of the day shift after a night call (the same morning after midnight)."""
    local = timezone.localtime(when)
    day = local.date() if local.time() < MORNING else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, MORNING))


@dataclass(frozen=True)
class NightCall:
    """What a night call produced: the registration, and the case and work order if any."""

    contact: Contact
    work_order: WorkOrder | None = None


def register_night_call(
    staff: Staff,
    *,
    estate: Estate,
    content: str,
    called_at: datetime | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    unit: Unit | None = None,
    public_area: PublicArea | None = None,
    resident: Resident | None = None,
    category: str = "",
    repaired_now: bool = False,
    answer: str = "",
    morning_work_order: bool = False,
    trade: str = "",
    urgency: str = Urgency.NORMAL,
) -> NightCall:
    """Register a call taken on night duty (夜间值班记录); optionally schedule a morning work order."""
    now = timezone.now()
    called_at = called_at or now
    if called_at > now + CLOCK_SKEW:
        raise ValidationError({"called_at": [_("来电时间不能晚于现在。")]})
    if called_at < now - NIGHT_CALL_LOOKBACK:
        raise ValidationError({"called_at": [_("来电时间不能早于 24 小时前，请改为补登记事项。")]})
    if not category:
        category = (
            Category.PUBLIC_REPAIR if public_area is not None and unit is None else Category.HOUSEHOLD_REPAIR
        )
    if repaired_now and morning_work_order:
        raise ValidationError(_("已当场处理的来电不需要次日工作单。"))
    if repaired_now:
        answer = answer.strip() or _("夜间值班维修员已当场处理。")
    # Checked and cut for search before the transaction opens.
    draft = case_services.prepare_contact(
        staff,
        estate=estate,
        channel=Channel.NIGHT_LOG,
        category=category,
        content=content,
        caller_name=caller_name,
        caller_phone=caller_phone,
        resident=resident,
        unit=unit,
        public_area=public_area,
        answered_on_spot=repaired_now,
        answer=answer,
        received_at=called_at,
    )
    return _save_night_call(
        staff, draft, morning_work_order=morning_work_order, trade=trade, urgency=urgency, called_at=called_at
    )


@transaction.atomic
def _save_night_call(
    staff: Staff,
    draft: case_services.ContactDraft,
    *,
    morning_work_order: bool,
    trade: str,
    urgency: str,
    called_at: datetime,
) -> NightCall:
    contact = case_services.save_contact(draft)
    order = None
    if morning_work_order and contact.case is not None:
        order = schedule_night_work_order(
            staff,
            contact.case,
            trade=trade or guess_trade(draft.content),
            urgency=urgency,
            appointment_at=next_morning(called_at),
            night_call_at=called_at,
        )
    return NightCall(contact=contact, work_order=order)


def _owner(unit: Unit) -> Resident | None:
    occupancy = (
        Occupancy.objects.filter(Occupancy.current_q(), unit=unit, role=OccupancyRole.OWNER)
        .select_related("resident")
        .first()
    )
    return occupancy.resident if occupancy else None


def register_move_in_defects(
    staff: Staff,
    unit: Unit,
    defects: Sequence[str],
    *,
    technicians: Sequence[Staff] = (),
) -> list[WorkOrder]:
    """Open one household repair per move-in defect, against the developer, each with a work order.

    Each order waits for a re-inspection with the resident (复检) before its case counts as finished.
    """
    items = [d.strip() for d in defects if d and d.strip()]
    if not items:
        raise ValidationError(_("请至少填写一项验收问题。"))
    estate = unit.building.estate
    owner = _owner(unit)
    # Every defect checked and cut for search before the transaction opens.
    drafts = [
        case_services.prepare_contact(
            staff,
            estate=estate,
            channel=Channel.VISIT,
            category=Category.HOUSEHOLD_REPAIR,
            content=_("入住验收问题：%(text)s") % {"text": text},
            caller_name=owner.name[: Contact._meta.get_field("caller_name").max_length] if owner else "",
            resident=owner,
            unit=unit,
        )
        for text in items
    ]
    return _save_move_in_defects(staff, drafts, items, technicians)


@transaction.atomic
def _save_move_in_defects(
    staff: Staff,
    drafts: Sequence[case_services.ContactDraft],
    items: Sequence[str],
    technicians: Sequence[Staff],
) -> list[WorkOrder]:
    orders = []
    for draft, text in zip(drafts, items, strict=True):
        case = case_services.save_contact(draft).case
        assert case is not None  # not answered on the spot, so it opened a case
        case_services.record_attribution(
            staff, case, attribution=Attribution.DEVELOPER, note=_("入住验收发现，开发商遗留问题")
        )
        orders.append(
            create_work_order(
                staff,
                case,
                trade=guess_trade(text),
                technicians=technicians,
                description=text,
                needs_reinspection=True,
                responsibility=Attribution.DEVELOPER,
            )
        )
    return orders
