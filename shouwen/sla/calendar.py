"""The working calendar: statutory holidays and make-up days, the company's own days, working hours.

Deadlines counted in working time walk through the working periods of working days, skipping
paused intervals; deadlines counted in days end at midnight of the day, pushed on by paused time.
Everything is computed in the local time zone (settings.TIME_ZONE) and returned in UTC-aware form.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from shouwen.directory.models import Estate

Interval = tuple[datetime, datetime]
MAX_DAYS = 3660  # no limit walks further than ten years


def statutory_workday(day: date) -> bool | None:
    """Return whether the statutory calendar makes the day a working day, or None if it has no data."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # chinese-calendar raises for years it does not cover
        return None


def statutory_year_known(year: int) -> bool:
    """Return whether the statutory calendar covers the year."""
    return statutory_workday(date(year, 6, 1)) is not None


class BusinessCalendar:
    """Working days and hours for one estate of one company."""

    def __init__(
        self,
        periods: Sequence[tuple[time, time]],
        overrides: dict[date, bool] | None = None,
        tz: ZoneInfo | None = None,
    ) -> None:
        self.periods = sorted(periods)
        self.overrides = overrides or {}
        self.tz = tz or ZoneInfo(settings.TIME_ZONE)

    @classmethod
    def for_estate(cls, estate: Estate) -> BusinessCalendar:
        """Build the calendar of an estate: its working periods and its company's own days."""
        from shouwen.sla.models import DEFAULT_PERIODS, CalendarDay, WorkingPeriod

        periods = [(p.start, p.end) for p in WorkingPeriod.objects.filter(estate=estate)] or list(
            DEFAULT_PERIODS
        )
        overrides = dict(
            CalendarDay.objects.filter(company_id=estate.company_id).values_list("date", "is_workday")
        )
        return cls(periods, overrides)

    def is_workday(self, day: date) -> bool:
        """Return whether people work on the day: the company's table first, then the statutory calendar."""
        if day in self.overrides:
            return self.overrides[day]
        statutory = statutory_workday(day)
        if statutory is None:
            return day.weekday() < 5  # no data: ordinary weekdays, until an admin enters the year
        return statutory

    def _local(self, moment: datetime) -> datetime:
        return timezone.localtime(moment, self.tz)

    def working_spans(self, start: datetime) -> Iterable[Interval]:
        """Yield the working intervals from ``start`` onwards, in order."""
        local = self._local(start)
        day = local.date()
        for _ in range(MAX_DAYS):
            if self.is_workday(day):
                for begin, end in self.periods:
                    a = datetime.combine(day, begin, self.tz)
                    b = datetime.combine(day, end, self.tz)
                    if b <= local:
                        continue
                    yield max(a, local), b
            day += timedelta(days=1)
        raise ValueError("no working time within ten years: check the calendar")

    @staticmethod
    def _minus_pauses(span: Interval, pauses: Sequence[Interval]) -> list[Interval]:
        pieces = [span]
        for p_start, p_end in pauses:
            cut: list[Interval] = []
            for a, b in pieces:
                if p_end <= a or p_start >= b:
                    cut.append((a, b))
                    continue
                if a < p_start:
                    cut.append((a, p_start))
                if p_end < b:
                    cut.append((p_end, b))
            pieces = cut
        return pieces

    def add_working_time(
        self, start: datetime, budget: timedelta, pauses: Sequence[Interval] = ()
    ) -> datetime:
        """Return when ``budget`` of working time, not counting paused time, has passed since ``start``."""
        remaining = budget
        if remaining <= timedelta(0):
            return start
        for span in self.working_spans(start):
            for a, b in self._minus_pauses(span, pauses):
                if b - a >= remaining:
                    return (a + remaining).astimezone(start.tzinfo)
                remaining -= b - a
        raise AssertionError("unreachable")

    def working_time_between(
        self, start: datetime, end: datetime, pauses: Sequence[Interval] = ()
    ) -> timedelta:
        """Return the working time between two moments, not counting paused time."""
        total = timedelta(0)
        if end <= start:
            return total
        for span in self.working_spans(start):
            if span[0] >= end:
                break
            clipped = (span[0], min(span[1], end))
            for a, b in self._minus_pauses(clipped, pauses):
                total += b - a
        return total

    def end_of_day(self, start: datetime, days: int, pauses: Sequence[Interval] = ()) -> datetime:
        """Return midnight at the end of the ``days``-th calendar day after ``start`` (0: the same day), pushed on by pauses."""
        local_day = self._local(start).date() + timedelta(days=days)
        due = datetime.combine(local_day + timedelta(days=1), time(0), self.tz)
        return self._push_by_pauses(start, due, pauses)

    def end_of_working_day(self, start: datetime, days: int, pauses: Sequence[Interval] = ()) -> datetime:
        """Return the close of the ``days``-th working day after ``start`` (0: today's close), pushed on by pauses."""
        day = self._local(start).date()
        count = -1 if self.is_workday(day) else 0
        for _ in range(MAX_DAYS):
            if self.is_workday(day):
                count += 1
                if count >= days:
                    close = datetime.combine(day, self.periods[-1][1], self.tz)
                    if close > start:
                        return self._push_by_pauses(start, close, pauses)
                    days += 1  # today's work is already over: it does not count
            day += timedelta(days=1)
        raise ValueError("no working day within ten years: check the calendar")

    @staticmethod
    def _push_by_pauses(start: datetime, due: datetime, pauses: Sequence[Interval]) -> datetime:
        """Extend a wall-clock deadline by every pause that began before it."""
        for p_start, p_end in sorted(pauses):
            if p_start >= due:
                break
            overlap = p_end - max(p_start, start)
            if overlap > timedelta(0):
                due += overlap
        return due
