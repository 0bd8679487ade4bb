"""The home-visit plan: 4–5 households a working day, every occupied household within a year."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from shouwen.directory.models import Building
from shouwen.homevisits import services
from shouwen.homevisits.models import Outcome, PlanItem
from shouwen.homevisits.tests.conftest import build_block
from shouwen.sla.calendar import BusinessCalendar

TZ = ZoneInfo("Asia/Shanghai")


def test_a_year_of_plans_visits_every_occupied_household_of_1200_at_4_to_5_a_working_day(world):
    units = []
    for code in ("11", "12", "13"):
        units += build_block(world.estate, code, 400, vacant_every=20)  # 20 of each 400 stand empty
    vacant = {u.pk for n, u in enumerate(units) if n % 400 % 20 == 0}
    occupied = {u.pk for u in units} - vacant
    assert len(units) == 1200 and len(occupied) == 1140
    start = date(2025, 1, 1)
    area = services.set_area(
        world.staff["cs_supervisor"],
        estate=world.estate,
        assistant=world.staff["cs_assistant"],
        buildings=Building.objects.filter(estate=world.estate, code__in=["11", "12", "13"]),
        cycle_start=start,
    )
    calendar = BusinessCalendar.for_estate(world.estate)
    partner = world.staff["front_desk"]
    first_visit: dict[int, date] = {}
    per_day: Counter[date] = Counter()
    with time_machine.travel(datetime.combine(start, time(8), TZ), tick=False) as clock:
        for offset in range(365):
            day = start + timedelta(days=offset)
            clock.move_to(datetime.combine(day, time(8), TZ))
            items = services.plan_for_day(area, day)
            per_day[day] = len(items)
            clock.move_to(datetime.combine(day, time(18), TZ))
            for item in items:
                assert item.unit_id in occupied, "a vacant unit was planned"
                services.record_visit(
                    world.staff["cs_assistant"],
                    unit=item.unit,
                    phoned_at=datetime.combine(day, time(8, 30), TZ),
                    visited_at=datetime.combine(day, time(10), TZ),
                    outcome=Outcome.VISITED,
                    entered_home=True,
                    companion=partner,
                )
                first_visit.setdefault(item.unit_id, day)
    # Every occupied household was visited within the 365 days, none of the empty ones.
    assert set(first_visit) == occupied
    assert max(first_visit.values()) <= start + timedelta(days=364)
    for day, count in per_day.items():
        if calendar.is_workday(day):
            assert 4 <= count <= 5, (day, count)
        else:
            assert count == 0, (day, count)
    # The statutory calendar, not the weekday: Spring Festival 2025 is off, its make-up Sunday is worked.
    assert per_day[date(2025, 1, 29)] == 0  # 正月初一, a Wednesday
    assert per_day[date(2025, 1, 26)] in (4, 5)  # 调休 Sunday
    assert per_day[date(2025, 1, 4)] == 0  # an ordinary Saturday
    assert PlanItem.objects.filter(area=area, visit__isnull=True).count() == 0


def test_never_visited_households_come_first_then_the_longest_unvisited(world):
    units = build_block(world.estate, "21", 12)
    area = services.set_area(
        world.staff["cs_supervisor"],
        estate=world.estate,
        assistant=world.staff["cs_assistant"],
        buildings=Building.objects.filter(estate=world.estate, code="21"),
        cycle_start=date(2026, 1, 5),
    )
    assistant = world.staff["cs_assistant"]
    # Eight households visited at different times, four never.
    with time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=TZ), tick=False):
        for n, unit in enumerate(units[:8]):
            services.record_visit(
                assistant,
                unit=unit,
                phoned_at=datetime(2026, 3, 1 + n, 8, tzinfo=TZ),
                visited_at=datetime(2026, 3, 1 + n, 10, tzinfo=TZ),
                outcome=Outcome.VISITED,
            )
    with time_machine.travel(datetime(2026, 11, 23, 8, tzinfo=TZ), tick=False):  # a Monday
        items = services.plan_for_day(area, date(2026, 11, 23))
    chosen = [i.unit_id for i in items]
    assert 4 <= len(chosen) <= 5
    assert chosen[:4] == [u.pk for u in units[8:12]]  # the never-visited first
    if len(chosen) == 5:
        assert chosen[4] == units[0].pk  # then the one visited longest ago


def test_the_days_plan_stays_the_same_while_visits_are_recorded(world, area):
    with time_machine.travel(datetime(2026, 11, 23, 8, tzinfo=TZ), tick=False):
        first = services.plan_for_day(area)
        services.record_visit(
            world.staff["cs_assistant"],
            unit=first[0].unit,
            phoned_at=None,
            visited_at=datetime(2026, 11, 23, 7, 50, tzinfo=TZ),
            outcome=Outcome.NOBODY_HOME,
            note_left=True,
        )
        again = services.plan_for_day(area)
    assert [i.unit_id for i in again] == [i.unit_id for i in first]
    assert again[0].visit is not None and again[0].visit.outcome == Outcome.NOBODY_HOME


def test_a_later_days_plan_is_a_preview_and_not_stored(world, area):
    with time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=TZ), tick=False):  # a Friday
        preview = services.plan_for_day(area, date(2026, 11, 23))
    assert len(preview) == 2 and all(item.pk is None for item in preview)
    assert not PlanItem.objects.exists()
