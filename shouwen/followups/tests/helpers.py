"""Shared steps of the return-visit tests: a repair taken through the chain to its resolution."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from shouwen.cases import services
from shouwen.cases.models import Case
from shouwen.core.testing import PASSWORD, World
from shouwen.directory.models import Staff
from shouwen.directory.services import create_staff

SH = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)


def repair_handled_by_technician(world: World, content: str = "厨房下水道堵塞，水排不下去") -> Case:
    """Register a household repair, hand it to the technician, who accepts it."""
    case = world.register(category="household_repair", content=content)
    handover = services.hand_over(world.clerk, case, to_staff=world.technician, note="请上门疏通，住户在家")
    services.accept_handover(world.technician, handover)
    return case


def resolved_repair(world: World, content: str = "厨房下水道堵塞，水排不下去") -> Case:
    """Return a repair the technician has resolved (it now waits for its return visit)."""
    case = repair_handled_by_technician(world, content)
    services.resolve_case(world.technician, case, resolution="已疏通下水管")
    case.refresh_from_db()
    return case


def other_estate_clerk(world: World) -> Staff:
    """Create a front-desk clerk serving only the other estate (翠湖苑)."""
    return create_staff(
        company=world.company,
        username="qiantai2",
        password=PASSWORD,
        name="钱芳",
        staff_no="CH001",
        roles=["front_desk"],
        estates=[world.other_estate],
    )
