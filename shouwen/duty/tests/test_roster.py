"""The roster: the seeds' shift times, who is on duty at a moment, and the supervisor editing a week."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from shouwen.duty import services
from shouwen.duty.models import RosterEntry, ShiftKind
from shouwen.duty.tests.helpers import roster

pytestmark = pytest.mark.django_db


def local(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return timezone.make_aware(datetime(y, m, d, hh, mm))


def test_shifts_default_to_the_seeds_times_in_winter_and_summer(world):
    shifts = {s.kind: s for s in services.shifts_of(world.estate)}
    winter, summer = date(2026, 12, 3), date(2026, 7, 1)
    assert services.window(shifts[ShiftKind.NOON], winter) == (
        local(2026, 12, 3, 12),
        local(2026, 12, 3, 13, 30),
    )
    assert services.window(shifts[ShiftKind.NOON], summer) == (local(2026, 7, 1, 12), local(2026, 7, 1, 14))
    assert services.window(shifts[ShiftKind.NIGHT], winter) == (
        local(2026, 12, 3, 17, 30),
        local(2026, 12, 4, 8, 30),
    )
    assert services.window(shifts[ShiftKind.NIGHT], summer) == (
        local(2026, 7, 1, 18),
        local(2026, 7, 2, 8, 30),
    )
    assert services.window(shifts[ShiftKind.DAY], winter) == (
        local(2026, 12, 3, 8, 30),
        local(2026, 12, 3, 17, 30),
    )


def test_on_duty_finds_the_night_technician_after_midnight_and_the_clerk_at_noon(world):
    day = date(2026, 12, 3)
    roster(world, world.clerk, ShiftKind.DAY, day)
    roster(world, world.staff["cs_assistant"], ShiftKind.NOON, day)
    roster(world, world.technician, ShiftKind.NIGHT, day)
    at_noon = {e.staff for e in services.on_duty(world.estate, local(2026, 12, 3, 12, 30))}
    assert at_noon == {world.clerk, world.staff["cs_assistant"]}
    assert [e.staff for e in services.on_duty(world.estate, local(2026, 12, 4, 2))] == [world.technician]
    assert services.on_duty(world.estate, local(2026, 12, 4, 9)) == []


def test_a_rostered_department_with_nobody_on_duty_is_uncovered_and_one_without_roster_is_not(world):
    roster(world, world.technician, ShiftKind.NIGHT)
    engineering, security = world.departments["engineering"], world.departments["security"]
    start, end = services.entry_window(RosterEntry.objects.get())
    assert services.nobody_on_duty(engineering, start - (end - start) / 10)
    assert not services.nobody_on_duty(engineering, start)
    assert not services.nobody_on_duty(security, start - (end - start) / 10)  # keeps no roster


def test_only_a_supervisor_edits_the_roster_and_only_with_staff_of_the_estate(world):
    with pytest.raises(PermissionDenied):
        services.add_roster_entry(
            world.clerk, estate=world.estate, day=timezone.localdate(), kind="day", staff=world.clerk
        )
    with pytest.raises(ValidationError):
        roster(world, world.staff["other_technician"], ShiftKind.NIGHT)
    entry = roster(world, world.clerk, ShiftKind.DAY)
    with pytest.raises(ValidationError):
        roster(world, world.clerk, ShiftKind.DAY)
    services.remove_roster_entry(world.supervisor, entry)
    assert not RosterEntry.objects.exists()


def test_roster_page_shows_the_week_to_staff_and_lets_the_supervisor_add(world, client_for):
    roster(world, world.technician, ShiftKind.NIGHT)
    page = client_for(world.clerk).get(reverse("duty:roster")).content.decode()
    assert "刘师傅" in page and "现在值班" in page and "roster-add" not in page
    assert client_for(world.clerk).post(reverse("duty:roster"), {}).status_code == 403
    client = client_for(world.supervisor)
    answer = client.post(
        reverse("duty:roster"),
        {
            "estate": world.estate.pk,
            "date": timezone.localdate().isoformat(),
            "shift": "day",
            "staff": world.clerk.pk,
        },
    )
    assert answer.status_code == 302
    assert RosterEntry.objects.filter(staff=world.clerk, shift__kind="day").exists()
    assert 'id="nav-duty"' in client.get(reverse("duty:roster")).content.decode()


def test_handing_to_an_engineering_with_nobody_on_duty_warns_and_the_first_contact_keeps_it(
    world, client_for
):
    # Engineering keeps a roster, but its only shift is tomorrow night: nobody is on duty now.
    roster(world, world.technician, ShiftKind.NIGHT, timezone.localdate() + timedelta(days=1))
    case = world.register(category="household_repair", content="厨房水管漏水")
    client = client_for(world.clerk)
    answer = client.post(
        reverse("cases:act", args=[case.number, "hand_over"]),
        {"to_department": world.departments["engineering"].pk, "note": "请安排维修"},
        follow=True,
    )
    text = answer.content.decode()
    assert "当前无人值班" in text and "先行接收" in text
    case.refresh_from_db()
    assert case.accountable == world.clerk
    assert case.events.filter(kind="kept").exists()


def test_handing_to_a_department_on_duty_gives_the_usual_message(world, client_for):
    from shouwen.cases import services as case_services

    case = world.register(category="household_repair", content="厨房水管漏水")
    handover = case_services.hand_over(
        world.clerk, case, to_department=world.departments["engineering"], note="请修"
    )
    assert not case.events.filter(kind="kept").exists()
    from shouwen.cases.handover import handed_over_message

    assert "无人值班" not in handed_over_message(handover)


def test_the_supervisor_fills_a_week_from_the_previous_one(world, client_for):
    monday = services.week_of(timezone.localdate())[0]
    roster(world, world.clerk, ShiftKind.DAY, monday - timedelta(days=7))
    roster(world, world.technician, ShiftKind.NIGHT, monday - timedelta(days=5))
    roster(world, world.clerk, ShiftKind.DAY, monday)  # already there: not doubled
    client = client_for(world.supervisor)
    client.post(reverse("duty:roster"), {"estate": world.estate.pk, "do": "copy", "week": monday.isoformat()})
    week = RosterEntry.objects.filter(date__gte=monday).values_list("date", "staff__name")
    assert sorted(week) == [(monday, "王丽"), (monday + timedelta(days=2), "刘师傅")]
    assert client_for(world.clerk).post(reverse("duty:roster"), {"do": "copy"}).status_code == 403


def test_a_handover_to_a_rostered_department_reaches_who_is_on_duty_and_its_head(world):
    from shouwen.cases import services as case_services
    from shouwen.directory.models import Department
    from shouwen.duty.tests.helpers import day_of, shift_ending
    from shouwen.notifications.models import Notification

    engineering = Department.objects.get(pk=world.departments["engineering"].pk)  # with its head
    head = world.staff["engineering_head"]
    # The technician's shift is tomorrow night: off duty now, he is not woken; the head hears of it.
    roster(world, world.technician, ShiftKind.NIGHT, timezone.localdate() + timedelta(days=1))
    first = world.register(category="household_repair", content="厨房水管漏水")
    case_services.hand_over(world.clerk, first, to_department=engineering, note="请安排维修")
    told = set(Notification.objects.filter(case=first).values_list("recipient_id", flat=True))
    assert told == {head.pk}
    # On duty now, he is told.
    ends = timezone.now() + timedelta(hours=2)
    shift_ending(world, ShiftKind.DAY, ends)
    roster(world, world.technician, ShiftKind.DAY, day_of(ends))
    second = world.register(category="household_repair", content="卫生间地漏堵塞")
    case_services.hand_over(world.clerk, second, to_department=engineering, note="请安排维修")
    told = set(Notification.objects.filter(case=second).values_list("recipient_id", flat=True))
    assert told == {head.pk, world.technician.pk}
