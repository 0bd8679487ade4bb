"""Demo work orders: today's jobs for the technicians holding open repair cases."""

from __future__ import annotations

import contextlib
import random
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shouwen.cases.models import Case
from shouwen.directory.models import Estate, Staff
from shouwen.workorders import services

TRADE_BY_WORD = {
    "电梯": "lift",
    "灯": "electrical",
    "插座": "electrical",
    "门": "doors",
    "窗": "doors",
    "漏": "civil",
}


def _trade(summary: str) -> str:
    return next((t for word, t in TRADE_BY_WORD.items() if word in summary), "plumbing")


def load_demo_work_orders(estate: Estate, limit: int = 30, seed: int = 2026) -> int:
    """Open work orders for open repair cases held by technicians; some accepted or on the way."""
    rng = random.Random(f"{seed}-wo-{estate.code}")
    today = timezone.localdate()
    cases = (
        Case.objects.filter(
            estate=estate,
            status="open",
            category__in=["household_repair", "public_repair"],
            accountable__roles__role="technician",
        )
        .select_related("accountable")
        .order_by("-created_at")[:limit]
    )
    # The desk opens the orders (WORKORDER_MANAGE) and sends the technician holding the case.
    desk = (
        Staff.objects.filter(estates=estate, is_active=True, roles__role__in=["front_desk", "cs_assistant"])
        .order_by("staff_no")
        .first()
    )
    if desk is None:
        return 0
    made = 0
    for case in cases:
        tech = case.accountable
        assert tech is not None
        hour = rng.choice([9, 10, 11, 14, 15, 16])
        when = timezone.make_aware(
            datetime.combine(today + timedelta(days=rng.choice([0, 0, 0, 1, 2])), time(hour))
        )
        with contextlib.suppress(ValidationError, PermissionDenied):
            order = services.create_work_order(
                desk,
                case,
                trade=_trade(case.summary),
                appointment_at=when,
                technicians=[tech],
                appointment_note="已与住户电话约定",
                description=case.summary,
            )
            if rng.random() < 0.4:
                order = services.accept_work_order(tech, order)
                if rng.random() < 0.4:
                    services.set_out(tech, order)
            made += 1
    return made
