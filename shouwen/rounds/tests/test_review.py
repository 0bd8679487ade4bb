"""Morning review (每日翻阅): which days, what is listed, chasing from it, marking it done."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from shouwen.cases import handover
from shouwen.cases import services as case_services
from shouwen.cases.models import CaseEvent
from shouwen.rounds import services
from shouwen.rounds.models import MorningReview
from shouwen.rounds.tests.helpers import MONDAY_9, TUESDAY_9, patrol_with_finding
from shouwen.sla.models import CalendarDay


def test_the_review_covers_yesterday_and_after_a_weekend_since_the_last_working_day(world):
    assert services.review_period(world.estate, date(2026, 3, 10)) == (date(2026, 3, 9), date(2026, 3, 9))
    # Monday: Friday, Saturday and Sunday.
    assert services.review_period(world.estate, date(2026, 3, 9)) == (date(2026, 3, 6), date(2026, 3, 8))
    # A company holiday on Friday: Thursday to Sunday.
    CalendarDay.objects.create(company=world.company, date=date(2026, 3, 6), is_workday=False, name="司庆")
    assert services.review_period(world.estate, date(2026, 3, 9)) == (date(2026, 3, 5), date(2026, 3, 8))


def test_the_review_lists_registered_unfinished_to_visit_and_waiting(world):
    with time_machine.travel(MONDAY_9 - timedelta(days=3), tick=False):  # Friday
        friday = world.register(category="household_repair", content="厨房水龙头漏水")
    with time_machine.travel(MONDAY_9 - timedelta(days=1), tick=False):  # Sunday
        sunday = world.register(category="complaint", content="楼上深夜装修噪音")
        consultation = world.register(category="consultation", content="咨询停车月卡办理")
        patrol_with_finding(world)
    with time_machine.travel(MONDAY_9 + timedelta(hours=2), tick=False):
        today = world.register(category="public_repair", content="3栋大堂门禁坏了", resident=None, unit=None)
        case_services.resolve_case(world.clerk, friday, resolution="已更换水龙头")
        review = services.morning_review(world.supervisor.user, world.estate)
    assert (review.start, review.end) == (date(2026, 3, 6), date(2026, 3, 8))
    registered = {c.number for c in review.registered}
    patrol_case = review.patrols[0].items.get(normal=False).case
    # Repairs and complaints of Friday to Sunday; not the consultation, not this morning's.
    assert registered == {friday.number, sunday.number, patrol_case.number}
    assert review.registered_count == 3
    unfinished = {c.number for c in review.unfinished}
    assert sunday.number in unfinished and friday.number not in unfinished
    assert today.number not in unfinished and consultation.number not in unfinished
    assert [v.case.number for v in review.to_visit] == [friday.number]
    # No first answer yet: every category, every resident.
    waiting = {c.number for c in review.waiting}
    assert consultation.number in waiting
    assert review.waiting_count == len(review.waiting)
    assert len(review.patrols) == 1
    assert review.done is None


def test_the_supervisor_chases_from_the_review_and_marks_it_done_once(world):
    with time_machine.travel(MONDAY_9 + timedelta(days=1) - timedelta(hours=20), tick=False):
        case = world.register(category="household_repair", content="卫生间地漏堵塞")
    with time_machine.travel(TUESDAY_9, tick=False):
        review = services.morning_review(world.supervisor.user, world.estate)
        assert case in review.unfinished
        handover.chase(world.supervisor, case, note="请今天上午答复住户")
        assert case.events.filter(kind=CaseEvent.Kind.CHASED).exists()
        done = services.mark_reviewed(world.supervisor, world.estate, note="已逐件跟进")
        assert (done.period_start, done.period_end) == (date(2026, 3, 9), date(2026, 3, 9))
        assert services.morning_review(world.supervisor.user, world.estate).done == done
        status = services.today_for(world.supervisor.user)
        assert dict(status.reviews)[world.estate] == done
        assert world.other_estate not in dict(status.reviews)
        with pytest.raises(ValidationError, match="李强"):
            services.mark_reviewed(world.staff["office_director"], world.estate)
    assert MorningReview.objects.count() == 1


def test_only_supervisors_of_the_estate_review(world):
    with pytest.raises(PermissionDenied):
        services.mark_reviewed(world.clerk, world.estate)
    with pytest.raises(PermissionDenied):
        services.morning_review(world.staff["other_technician"].user, world.estate)
    with pytest.raises(ValidationError):
        services.mark_reviewed(world.supervisor, world.estate, date.today() + timedelta(days=2))
