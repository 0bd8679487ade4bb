"""Which households an assistant visits on a day: every occupied household once a year, 4–5 a day.

The rule (000 篇2 九 3; 001 走回访): each service assistant visits 4–5 households a day on working
days, so that every household of the area is visited within a year; vacant units are skipped; the
never-visited come first, then the longest unvisited. The day's number is the smallest rate that
still reaches every household before its year is up (earliest deadline first), kept within 4–5.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from math import ceil

MIN_PER_DAY = 4
MAX_PER_DAY = 5
CYCLE_DAYS = 365
# A household visited this recently is not planned again: the rest of the area comes first.
MIN_GAP_DAYS = 90


@dataclass(frozen=True)
class Household:
    """An occupied unit of the area and the day of its last completed visit (None: never)."""

    unit_id: int
    last_visited: date | None
    order: tuple[str, ...] = ()  # building, entrance, number: how the list reads on the ground


@dataclass(frozen=True)
class DayPlan:
    """The households chosen for a day, the rate the year needs and whether one person can do it."""

    day: date
    chosen: list[Household]
    needed_per_day: int
    over_capacity: bool


def deadline(household: Household, cycle_start: date) -> date:
    """Return the last day the household may be visited: a year after its last visit or the cycle's start."""
    return (household.last_visited or cycle_start) + timedelta(days=CYCLE_DAYS)


def priority(household: Household) -> tuple[bool, date, tuple[str, ...]]:
    """Sort key: never visited first, then the longest unvisited, then the order on the ground."""
    return (household.last_visited is not None, household.last_visited or date.min, household.order)


def needed_rate(
    households: Sequence[Household], day: date, cycle_start: date, is_workday: Callable[[date], bool]
) -> int:
    """Return the fewest visits a working day that reach every household before its deadline."""
    if not households:
        return 0
    deadlines = sorted(deadline(h, cycle_start) for h in households)
    last = max(deadlines[-1], day)
    # Working days from ``day`` up to each date, counted once over the whole span.
    counts: dict[date, int] = {}
    running, current = 0, day
    while current <= last:
        if is_workday(current):
            running += 1
        counts[current] = running
        current += timedelta(days=1)
    rate = 0
    for k, due in enumerate(deadlines, start=1):
        working_days = max(1, counts.get(due, 0))
        rate = max(rate, ceil(k / working_days))
    return rate


def plan_day(
    households: Sequence[Household], day: date, cycle_start: date, is_workday: Callable[[date], bool]
) -> DayPlan:
    """Choose the day's households: none on a rest day, else 4–5 in priority order."""
    if not is_workday(day):
        return DayPlan(day, [], 0, False)
    due = [h for h in households if h.last_visited is None or (day - h.last_visited).days >= MIN_GAP_DAYS]
    rate = needed_rate(households, day, cycle_start, is_workday)
    quota = min(MAX_PER_DAY, max(MIN_PER_DAY, rate))
    chosen = sorted(due, key=priority)[:quota]
    return DayPlan(day, chosen, rate, rate > MAX_PER_DAY)
