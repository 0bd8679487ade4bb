"""Demo duty: this week's roster of each estate, the equipment counted at handover, one sheet waiting to be
accepted and one night-log entry still to be settled at the morning handover."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from shouwen.directory.models import Estate, Staff
from shouwen.duty import services
from shouwen.duty.models import EquipmentItem, HandoverSheet, RosterEntry, ShiftKind

EQUIPMENT = (("对讲机", 2), ("万能钥匙", 1), ("手电筒", 2), ("维修工具箱", 1), ("应急灯", 1))


def _people(estate: Estate, department: str, roles: tuple[str, ...]) -> list[Staff]:
    return list(
        Staff.objects.filter(
            estates=estate, is_active=True, department__kind=department, roles__role__in=roles
        )
        .distinct()
        .order_by("staff_no")
    )


def load_demo_duty(estate: Estate) -> int:
    """Roster the current week, add the equipment list, write one pending handover; return the entries made."""
    supervisor = services.supervisors_of(estate)[0]
    services.shifts_of(estate)
    for order, (name, quantity) in enumerate(EQUIPMENT):
        EquipmentItem.objects.create(estate=estate, name=name, quantity=quantity, order=order)
    desk = _people(estate, "service", ("front_desk", "cs_assistant"))
    technicians = _people(estate, "engineering", ("technician",))
    made = 0
    for i, day in enumerate(services.week_of(timezone.localdate())):
        plan = [(ShiftKind.DAY, desk[i % len(desk)]), (ShiftKind.NOON, desk[(i + 1) % len(desk)])]
        if technicians:
            plan.append((ShiftKind.NIGHT, technicians[i % len(technicians)]))
        for kind, person in plan:
            services.add_roster_entry(supervisor, estate=estate, day=day, kind=kind, staff=person)
            made += 1
    today = RosterEntry.objects.filter(
        estate=estate, date=timezone.localdate(), shift__kind=ShiftKind.DAY
    ).first()
    # One sheet in the demo, in the first estate loaded, waiting for the incoming clerk.
    if today is not None and len(desk) > 1 and not HandoverSheet.objects.exists():
        incoming = next(p for p in desk if p.pk != today.staff_id)
        services.create_sheet(
            today.staff,
            incoming=incoming,
            estate=estate,
            entry=today,
            notes="3栋电梯按钮一事已约住户今晚回电；对讲机一台借给安护员巡逻。",
        )
    if technicians:
        # Last night at 22:40 when that is within the night log's day, otherwise three hours ago.
        now = timezone.now()
        last_night = timezone.make_aware(
            datetime.combine(timezone.localdate() - timedelta(days=1), time(22, 40))
        )
        called_at = last_night if now - last_night < timedelta(hours=23) else now - timedelta(hours=3)
        services.record_night_entry(
            technicians[0],
            estate=estate,
            content="12栋住户来电：楼道声控灯不亮，已告知次日安排维修",
            called_at=called_at,
            caller_name="陈先生",
            place="12栋2单元",
        )
    return made
