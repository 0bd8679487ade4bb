"""Deadline arithmetic around the 2026 holidays, make-up working days, noon breaks and pauses."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shouwen.sla.calendar import BusinessCalendar, statutory_workday, statutory_year_known

SH = ZoneInfo("Asia/Shanghai")
PERIODS = [(time(8, 30), time(12, 0)), (time(13, 30), time(17, 30))]
CAL = BusinessCalendar(PERIODS, tz=SH)


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-02-13", True),  # Friday before the Spring Festival
        ("2026-02-14", True),  # Saturday, make-up working day
        ("2026-02-15", False),  # Spring Festival holiday begins
        ("2026-02-23", False),  # last day of the holiday (Monday)
        ("2026-02-24", True),
        ("2026-02-28", True),  # Saturday, make-up working day
        ("2026-03-01", False),  # ordinary Sunday
        ("2026-09-20", True),  # Sunday, make-up working day before National Day
        ("2026-10-01", False),
        ("2026-10-07", False),
        ("2026-10-08", True),
        ("2026-10-10", True),  # Saturday, make-up working day
        ("2026-10-11", False),
    ],
)
def test_statutory_days_of_2026(day, working):
    assert CAL.is_workday(date.fromisoformat(day)) is working


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        # Within the morning.
        ("2026-03-02 09:00", 30, "2026-03-02 09:30"),
        # Across the noon break (12:00–13:30).
        ("2026-03-02 11:45", 30, "2026-03-02 13:45"),
        # Registered during the noon break: the clock starts at 13:30.
        ("2026-03-02 12:10", 30, "2026-03-02 14:00"),
        # After hours: next working morning.
        ("2026-03-02 18:00", 30, "2026-03-03 09:00"),
        # Friday evening before the Spring Festival → Saturday 14 Feb is a working day.
        ("2026-02-13 17:20", 30, "2026-02-14 08:50"),
        # Saturday 14 Feb afternoon → the holiday runs 15–23 Feb → Tuesday 24 Feb.
        ("2026-02-14 17:00", 60, "2026-02-24 09:00"),
        # 7.5 working hours (a whole working day) from Monday 09:00 → Tuesday 09:00.
        ("2026-03-02 09:00", 450, "2026-03-03 09:00"),
        # Before National Day: Wednesday 30 Sep 17:00 + 60 min → Thursday 8 Oct 09:00.
        ("2026-09-30 17:00", 60, "2026-10-08 09:00"),
        # Friday 9 Oct 17:00 + 60 → Saturday 10 Oct is a working day.
        ("2026-10-09 17:00", 60, "2026-10-10 09:00"),
        # Saturday 19 Sep 10:00 (not working) + 30 → Sunday 20 Sep is a make-up working day.
        ("2026-09-19 10:00", 30, "2026-09-20 09:00"),
    ],
)
def test_working_minutes_around_holidays_and_noon_breaks(start, minutes, due):
    assert CAL.add_working_time(at(start), timedelta(minutes=minutes)) == at(due)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2026-03-02 10:00", 0, "2026-03-03 00:00"),  # the same day
        ("2026-03-02 10:00", 2, "2026-03-05 00:00"),  # within 2 days
        ("2026-02-13 16:00", 10, "2026-02-24 00:00"),  # calendar days run through the holiday
    ],
)
def test_calendar_day_limits(start, days, due):
    assert CAL.end_of_day(at(start), days) == at(due)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2026-03-02 10:00", 0, "2026-03-02 17:30"),
        ("2026-03-02 10:00", 3, "2026-03-05 17:30"),
        ("2026-02-13 10:00", 1, "2026-02-14 17:30"),  # the make-up Saturday counts
        ("2026-02-14 10:00", 1, "2026-02-24 17:30"),  # the holiday does not
        ("2026-03-02 18:00", 0, "2026-03-03 17:30"),  # today's work is over
    ],
)
def test_working_day_limits(start, days, due):
    assert CAL.end_of_working_day(at(start), days) == at(due)


def test_pauses_do_not_count():
    start = at("2026-03-02 09:00")
    pause = (at("2026-03-02 09:10"), at("2026-03-02 10:10"))
    assert CAL.add_working_time(start, timedelta(minutes=30), [pause]) == at("2026-03-02 10:30")
    # A pause over the noon break only removes the working minutes in it.
    noon = (at("2026-03-02 11:30"), at("2026-03-02 14:00"))
    assert CAL.add_working_time(start, timedelta(minutes=180), [noon]) == at("2026-03-02 14:30")
    # Day limits are pushed on by the paused wall-clock time.
    assert CAL.end_of_day(start, 2, [(at("2026-03-03 08:00"), at("2026-03-03 20:00"))]) == at(
        "2026-03-05 12:00"
    )


def test_2027_is_not_covered_by_the_package_and_the_admin_table_fills_it():
    assert not statutory_year_known(2027)
    assert statutory_workday(date(2027, 2, 8)) is None
    # The 2027 Spring Festival as an administrator enters it: 6–12 Feb off, Sunday 14 Feb worked.
    overrides = {date(2027, 2, 6) + timedelta(days=i): False for i in range(7)}
    overrides[date(2027, 2, 14)] = True
    cal = BusinessCalendar(PERIODS, overrides, tz=SH)
    assert not cal.is_workday(date(2027, 2, 8))  # a Monday off
    assert cal.is_workday(date(2027, 2, 14))  # a Sunday worked
    # Friday 5 Feb 17:00 + 60 working minutes → Sunday 14 Feb 09:00.
    assert cal.add_working_time(at("2027-02-05 17:00"), timedelta(minutes=60)) == at("2027-02-14 09:00")


def test_company_table_wins_over_the_statutory_calendar():
    cal = BusinessCalendar(PERIODS, {date(2026, 3, 2): False}, tz=SH)  # a company holiday on a Monday
    assert cal.add_working_time(at("2026-02-27 17:00"), timedelta(minutes=60)) == at("2026-02-28 09:00")
    assert cal.add_working_time(at("2026-02-28 17:00"), timedelta(minutes=60)) == at("2026-03-03 09:00")


def reference_add(cal, start, minutes, pauses):
    """Walk minute by minute: the slow, obviously right answer."""
    moment = start
    left = minutes
    while left > 0:
        local = moment.astimezone(SH)
        working = cal.is_workday(local.date()) and any(a <= local.time() < b for a, b in cal.periods)
        paused = any(p0 <= moment < p1 for p0, p1 in pauses)
        if working and not paused:
            left -= 1
        moment += timedelta(minutes=1)
    return moment


minute_starts = st.integers(min_value=0, max_value=60 * 24 * 30).map(
    lambda m: at("2026-02-10 00:00") + timedelta(minutes=m)
)


@settings(max_examples=60, deadline=None)
@given(
    start=minute_starts,
    minutes=st.integers(min_value=1, max_value=900),
    pause=st.one_of(st.none(), st.tuples(st.integers(0, 3000), st.integers(1, 600))),
)
def test_working_time_matches_a_minute_by_minute_reference(start, minutes, pause):
    pauses = []
    if pause is not None:
        p0 = start + timedelta(minutes=pause[0])
        pauses = [(p0, p0 + timedelta(minutes=pause[1]))]
    expected = reference_add(CAL, start, minutes, pauses)
    got = CAL.add_working_time(start, timedelta(minutes=minutes), pauses)
    # The reference lands on the minute after the last counted one; equal when the budget ends in working time.
    assert got == expected or (
        got < expected and CAL.working_time_between(got, expected, pauses) == timedelta(0)
    )
    assert CAL.working_time_between(start, got, pauses) == timedelta(minutes=minutes)
