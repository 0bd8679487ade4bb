"""A fixed, hand-counted month (March 2026) for the report tests.

Rows are written directly so that every date is exactly where the test needs it (in and out of the
month, across month ends); the expected figures are counted by hand in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import count

import pytest
from django.utils import timezone

from shouwen.cases.models import Case, CaseEvent, CaseStatus, Contact
from shouwen.followups.models import ReturnVisit
from shouwen.sla.models import Deadline, DeadlineKind, DeadlineState
from shouwen.workorders.models import WorkOrder

_numbers = count(1)


def at(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0, year: int = 2026) -> datetime:
    """A moment in the site's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime(year, month, day, hour, minute, second))


def contact(world, when, category, *, estate=None, case=None, resident=None, channel="phone", staff=None):
    return Contact.objects.create(
        estate=estate or world.estate,
        channel=channel,
        received_at=when,
        registered_at=when,
        registered_by=staff or world.clerk,
        category=category,
        content="测试登记",
        resident=resident,
        answered_on_spot=case is None,
        answer="已答复" if case is None else "",
        case=case,
    )


def case(world, when, category, status, *, estate=None, resident=None, unit=None, department=None, **extra):
    estate = estate or world.estate
    origin = contact(world, when, category, estate=estate, resident=resident)
    active = status in (CaseStatus.OPEN, CaseStatus.RESOLVED, CaseStatus.AWAITING_DOCUMENTS)
    c = Case.objects.create(
        number=f"T{next(_numbers):05d}",
        estate=estate,
        origin=origin,
        category=category,
        status=status,
        summary=f"{category} 测试",
        resident=resident,
        unit=unit,
        department=department,
        first_contact=world.clerk,
        accountable=world.clerk if active else None,
        created_at=when,
        **extra,
    )
    origin.case = c
    origin.save(update_fields=["case"])
    return c


def deadline(c, kind, due, *, met=None, state=None):
    return Deadline.objects.create(
        case=c,
        kind=kind,
        started_at=c.created_at,
        due_at=due,
        state=state or (DeadlineState.MET if met else DeadlineState.RUNNING),
        met_at=met,
        margin_seconds=int((due - met).total_seconds()) if met else None,
    )


def visit(c, round_, due, *, status="pending", visited=None, satisfaction="", staff=None):
    return ReturnVisit.objects.create(
        case=c,
        round=round_,
        due_at=due,
        status=status,
        visitor=staff if visited else None,
        visited_at=visited,
        channel="phone" if visited else "",
        satisfaction=satisfaction,
    )


@dataclass
class Month:
    world: object
    cases: dict[str, Case] = field(default_factory=dict)


@pytest.fixture
def march(world):
    """The hand-counted dataset; the comments give what each row must count as in March 2026."""
    w = world
    owner = w.residents["owner"]
    unit = w.units["3-2-1502"]
    service = w.departments["service"]
    engineering = w.departments["engineering"]
    m = Month(world=w)
    R = DeadlineKind.RESOLUTION  # noqa: N806

    # c1: complaint received 03-05, closed 03-10 within its deadline; the owner called again on 03-06.
    c1 = case(
        w, at(3, 5), "complaint", CaseStatus.CLOSED, resident=owner, department=service, closed_at=at(3, 10)
    )
    contact(w, at(3, 6), "complaint", case=c1, resident=owner)
    deadline(c1, R, at(3, 10, 11), met=at(3, 10))
    deadline(c1, DeadlineKind.FIRST_ANSWER, at(3, 5, 12), met=at(3, 5, 11))
    # c2: complaint received 03-20, closed only on 04-02 (late, but in April).
    c2 = case(w, at(3, 20), "complaint", CaseStatus.CLOSED, resident=owner, closed_at=at(4, 2))
    deadline(c2, R, at(4, 2, 9), met=at(4, 2, 10))
    # c3: complaint received in February, closed late on 03-03.
    c3 = case(w, at(2, 25), "complaint", CaseStatus.CLOSED, closed_at=at(3, 3))
    deadline(c3, R, at(3, 3, 9), met=at(3, 3, 10))
    # c4: a voided complaint of March: counts nowhere.
    c4 = case(w, at(3, 7), "complaint", CaseStatus.VOID, closed_at=at(3, 7, 11))
    deadline(c4, R, at(3, 9), state=DeadlineState.CANCELLED)
    # c5: public repair received at 23:30 on the last evening of March, resolved after midnight.
    c5 = case(w, at(3, 31, 23, 30), "public_repair", CaseStatus.RESOLVED, resolved_at=at(4, 1, 0, 30))
    deadline(c5, R, at(4, 1, 12), met=at(4, 1, 0, 30))
    # c6: household repair received at midnight on 03-01, reopened twice, closed on 03-04.
    c6 = case(
        w,
        at(3, 1, 0, 0),
        "household_repair",
        CaseStatus.CLOSED,
        unit=unit,
        department=engineering,
        resolved_at=at(3, 3),
        closed_at=at(3, 4),
    )
    deadline(c6, R, at(3, 2, 10, 0, 10), met=at(3, 2))  # first round: on time
    deadline(c6, R, at(3, 3, 9, 59, 55), met=at(3, 3))  # after the reopening: 5 seconds late
    CaseEvent.objects.create(case=c6, at=at(3, 2, 12), kind=CaseEvent.Kind.REOPENED, text="住户不满意")
    CaseEvent.objects.create(case=c6, at=at(3, 3, 12), kind=CaseEvent.Kind.REOPENED, text="仍漏水")
    WorkOrder.objects.create(
        number="WO-T-1",
        case=c6,
        trade="plumbing",
        created_by=w.clerk,
        state="done",
        done_at=at(3, 2),
        resident_rating="satisfied",
    )
    # c7: household repair at the same flat, paused (waiting for parts) past its due time; developer's defect.
    c7 = case(
        w,
        at(3, 10),
        "household_repair",
        CaseStatus.OPEN,
        unit=unit,
        attribution="developer",
        paused_since=at(3, 11),
    )
    deadline(c7, R, at(3, 12), state=DeadlineState.PAUSED)
    # c8: public repair received one minute before March, still open and overdue since 03-15.
    c8 = case(w, at(2, 28, 23, 59), "public_repair", CaseStatus.OPEN)
    deadline(c8, R, at(3, 15))
    # Answered on the spot: a consultation (and one in February), praise at the last second of March, a fee.
    contact(w, at(3, 15), "consultation")
    contact(w, at(2, 28, 12), "consultation")
    contact(w, at(3, 31, 23, 59, 59), "praise")
    contact(w, at(3, 11), "fee", channel="visit")
    # A year earlier: one suggestion in March 2025.
    contact(w, at(3, 10, year=2025), "suggestion")
    # Return visits.
    visit(c6, 1, at(3, 5), status="done", visited=at(3, 4), satisfaction="very_satisfied", staff=w.clerk)
    visit(c1, 1, at(3, 12), status="done", visited=at(3, 11), satisfaction="basically", staff=w.clerk)
    visit(c5, 1, at(4, 3))  # due in April
    visit(c2, 1, at(3, 25))  # due in March, not made
    visit(c6, 2, at(3, 15), status="cancelled")
    # The other estate: one complaint closed on time with a satisfied visit.
    c9 = case(w, at(3, 6), "complaint", CaseStatus.CLOSED, estate=w.other_estate, closed_at=at(3, 8))
    deadline(c9, R, at(3, 8, 11), met=at(3, 8))
    visit(c9, 1, at(3, 9), status="done", visited=at(3, 9), satisfaction="satisfied", staff=w.clerk)
    m.cases = {f"c{i}": c for i, c in enumerate([c1, c2, c3, c4, c5, c6, c7, c8, c9], start=1)}
    return m
