"""Every clock starts when the contact was received (接待), not when the desk typed it in."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from shouwen.sla.models import Deadline

SH = ZoneInfo("Asia/Shanghai")


def running(case, kind):
    return Deadline.objects.get(case=case, kind=kind, state="running")


def night_log_major_complaint(world):
    """The night duty took it at 22:30 on Monday 2 March 2026; the desk registers it at 08:35 on Tuesday."""
    with time_machine.travel(datetime(2026, 3, 3, 8, 35, tzinfo=SH), tick=False):
        return world.register(
            channel="night_log",
            category="complaint",
            severity="major",
            content="楼上深夜装修噪音，多次劝说无效",
            received_at=datetime(2026, 3, 2, 22, 30, tzinfo=SH),
        )


def test_a_night_log_major_complaint_registered_next_morning_counts_from_2230(world):
    case = night_log_major_complaint(world)
    answer, resolution = running(case, "first_answer"), running(case, "resolution")
    assert answer.started_at == resolution.started_at == datetime(2026, 3, 2, 22, 30, tzinfo=SH)
    # "2天内给住户明确答复，10日内解决" from Monday's reception, not from Tuesday's registration.
    assert answer.due_at == datetime(2026, 3, 5, 0, 0, tzinfo=SH)
    assert resolution.due_at == datetime(2026, 3, 13, 0, 0, tzinfo=SH)


def test_working_hours_before_a_holiday_count_from_reception(world):
    # A letter received on Thursday 30 April 2026 at 16:30, registered after the May Day holiday
    # (1–5 May) on Wednesday 6 May at 08:35: one working hour on Thursday, three on Wednesday morning.
    with time_machine.travel(datetime(2026, 5, 6, 8, 35, tzinfo=SH), tick=False):
        case = world.register(
            channel="letter",
            category="consultation",
            content="来函咨询车位租赁办法",
            received_at=datetime(2026, 4, 30, 16, 30, tzinfo=SH),
        )
    assert running(case, "first_answer").due_at == datetime(2026, 5, 6, 11, 30, tzinfo=SH)


def test_the_case_page_and_the_api_show_how_late_it_was_registered(world, client_for, api_for):
    case = night_log_major_complaint(world)
    page = client_for(world.clerk).get(reverse("cases:detail", args=[case.number])).content.decode()
    assert 'id="registered-late"' in page
    assert "2026-03-03 08:35" in page and "10小时5分" in page
    body = api_for(world.clerk).get(f"/api/v1/cases/{case.number}/").json()
    assert body["registered_after_minutes"] == 605
    assert body["received_at"].startswith("2026-03-02T22:30")


def test_a_contact_registered_at_once_is_not_marked_late(world, client_for, api_for):
    case = world.register(content="厨房水龙头滴水", category="household_repair")
    page = client_for(world.clerk).get(reverse("cases:detail", args=[case.number])).content.decode()
    assert 'id="registered-late"' not in page
    assert api_for(world.clerk).get(f"/api/v1/cases/{case.number}/").json()["registered_after_minutes"] == 0
