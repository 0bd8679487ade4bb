"""Report periods: a calendar month or any date range, with the period before and the same one a year earlier."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_DAYS = 3 * 366  # a report covers at most three years


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _year_earlier(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


@dataclass(frozen=True)
class Period:
    """The days ``start`` to ``end``, both included, in the site's time zone."""

    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        return cls(first, _month_end(first))

    @classmethod
    def current_month(cls) -> Period:
        today = timezone.localdate()
        return cls.month(today.year, today.month)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = date(year, 3 * quarter - 2, 1)
        return cls(first, _month_end(date(year, 3 * quarter, 1)))

    @classmethod
    def parse(cls, month: str | None = None, start: str | None = None, end: str | None = None) -> Period:
        """Read ``month=YYYY-MM`` or ``start``/``end`` (YYYY-MM-DD); raise ValidationError with a clear message."""
        if start or end:
            try:
                first = date.fromisoformat(start or "")
                last = date.fromisoformat(end or "")
            except ValueError:
                raise ValidationError(_("起止日期格式应为 YYYY-MM-DD，例如 2026-03-01")) from None
            if last < first:
                raise ValidationError(_("结束日期不能早于开始日期"))
            if (last - first).days >= MAX_DAYS:
                raise ValidationError(_("统计区间最长三年"))
            return cls(first, last)
        if month:
            try:
                year, mon = (int(x) for x in month.split("-"))
                return cls.month(year, mon)
            except ValueError:
                raise ValidationError(_("月份格式应为 YYYY-MM，例如 2026-03")) from None
        return cls.current_month()

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == _month_end(self.start)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The month before a calendar month; otherwise the range of equal length just before."""
        if self.is_month:
            last = self.start - timedelta(days=1)
            return Period.month(last.year, last.month)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def year_earlier(self) -> Period:
        if self.is_month:
            return Period.month(self.start.year - 1, self.start.month)
        return Period(_year_earlier(self.start), _year_earlier(self.end))

    @property
    def label(self) -> str:
        if self.is_month:
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m-%d} — {self.end:%Y-%m-%d}"

    def query(self) -> str:
        """The query string that selects this period again."""
        if self.is_month:
            return f"month={self.start:%Y-%m}"
        return f"start={self.start:%Y-%m-%d}&end={self.end:%Y-%m-%d}"
