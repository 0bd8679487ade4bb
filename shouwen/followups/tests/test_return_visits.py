"""Return visits: opened for every resolved repair and complaint, closing or reopening the case."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shouwen.cases import services
from shouwen.cases.models import CaseEvent, CaseStatus, Responsibility
from shouwen.cases.services import CaseConflict
from shouwen.cases.transitions import CaseActionDenied, allowed_actions, allows
from shouwen.followups.models import ReturnVisit, ReturnVisitAttempt
from shouwen.followups.services import record_no_answer, record_return_visit
from shouwen.followups.tests.helpers import (
    MONDAY_9,
    SH,
    other_estate_clerk,
    repair_handled_by_technician,
    resolved_repair,
)
from shouwen.sla.models import Deadline

K = CaseEvent.Kind


def running_return_visit_deadline(case):
    return Deadline.objects.get(case=case, kind="return_visit", state="running")


def test_unsatisfied_visit_sends_the_repair_back_and_the_second_visit_closes_it(world):
    with time_machine.travel(MONDAY_9, tick=False):
        case = repair_handled_by_technician(world)
    with time_machine.travel(MONDAY_9 + timedelta(hours=3), tick=False):
        services.resolve_case(world.technician, case, resolution="已疏通下水管")

    # Resolved → a return visit is due, exactly when the sla app's return-visit deadline falls.
    first = ReturnVisit.objects.get(case=case)
    assert (first.round, first.status, first.attempts) == (1, "pending", 0)
    assert first.due_at == running_return_visit_deadline(case).due_at
    assert first.due_at == datetime(2026, 3, 5, 0, 0, tzinfo=SH)  # other repairs: within 2 days

    # The resident is not satisfied: the case goes back to the technician with the resident's words.
    with time_machine.travel(MONDAY_9 + timedelta(days=1), tick=False):
        record_return_visit(
            world.clerk, first, channel="phone", satisfaction="unsatisfied", comments="还是排水很慢"
        )
    case.refresh_from_db()
    first.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.accountable == world.technician
    assert [r.holder for r in Responsibility.objects.filter(case=case).order_by("started_at", "pk")] == [
        world.clerk,
        world.technician,
    ]  # reopening keeps the accountable person: no new link in the chain
    assert (first.status, first.satisfaction, first.visitor, first.comments) == (
        "done",
        "unsatisfied",
        world.clerk,
        "还是排水很慢",
    )
    assert not ReturnVisit.objects.filter(case=case, status="pending").exists()

    # Rework, resolved again → the second round's visit is due.
    with time_machine.travel(MONDAY_9 + timedelta(days=1, hours=4), tick=False):
        services.resolve_case(world.technician, case, resolution="已更换存水弯，排水正常")
    second = ReturnVisit.objects.get(case=case, status="pending")
    assert second.round == 2
    assert second.due_at == running_return_visit_deadline(case).due_at

    with time_machine.travel(MONDAY_9 + timedelta(days=2), tick=False):
        record_return_visit(
            world.staff["cs_assistant"], second, channel="in_person", satisfaction="satisfied"
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.accountable is None

    events = list(case.events.order_by("at", "pk"))
    assert [e.kind for e in events] == [
        K.REGISTERED,
        K.HANDOVER,
        K.HANDOVER_ACCEPTED,
        K.RESOLVED,
        K.RETURN_VISIT,
        K.REOPENED,
        K.RESOLVED,
        K.RETURN_VISIT,
        K.CLOSED,
    ]
    first_visit, reopened, second_visit, closed = events[4], events[5], events[7], events[8]
    assert (
        first_visit.actor == world.clerk
        and "不满意" in first_visit.text
        and "还是排水很慢" in first_visit.text
    )
    assert first_visit.data == {
        "visit": first.pk,
        "round": 1,
        "channel": "phone",
        "satisfaction": "unsatisfied",
    }
    assert reopened.actor == world.clerk and "还是排水很慢" in reopened.text
    assert second_visit.actor == world.staff["cs_assistant"] and "满意" in second_visit.text
    assert closed.actor == world.staff["cs_assistant"] and closed.data == {"return_visit": True}


@pytest.mark.parametrize("satisfaction", ["very_satisfied", "satisfied", "basically"])
def test_every_satisfied_result_closes_the_case(world, satisfaction):
    case = resolved_repair(world)
    record_return_visit(world.clerk, case.return_visits.get(), channel="phone", satisfaction=satisfaction)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_no_answer_is_counted_and_the_visit_stays_pending(world):
    case = resolved_repair(world)
    visit = case.return_visits.get()
    with time_machine.travel(MONDAY_9, tick=False):
        record_no_answer(world.clerk, visit, "no_answer")
    with time_machine.travel(MONDAY_9 + timedelta(hours=2), tick=False):
        record_no_answer(world.clerk, visit, "asked_later", "住户在开会，下午再打")
    visit.refresh_from_db()
    case.refresh_from_db()
    assert (visit.status, visit.attempts, visit.last_attempt_at) == (
        "pending",
        2,
        MONDAY_9 + timedelta(hours=2),
    )
    assert case.status == CaseStatus.RESOLVED and case.accountable == world.technician
    attempts = list(ReturnVisitAttempt.objects.filter(visit=visit).order_by("at"))
    assert [(a.outcome, a.by, a.note) for a in attempts] == [
        ("no_answer", world.clerk, ""),
        ("asked_later", world.clerk, "住户在开会，下午再打"),
    ]
    failed = list(case.events.filter(kind=K.RETURN_VISIT_FAILED).order_by("at", "pk"))
    assert len(failed) == 2 and "无人接听" in failed[0].text and "住户在开会" in failed[1].text
    # Afterwards the resident answers, and the visit is recorded as usual.
    record_return_visit(world.clerk, visit, channel="phone", satisfaction="satisfied")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_closing_a_repair_without_a_visit_is_refused_to_the_holder(world):
    case = resolved_repair(world)
    with pytest.raises(ValidationError):
        services.close_case(world.technician, case, note="已修好")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert not case.events.filter(kind=K.CLOSED).exists()


def test_a_supervisor_may_close_without_a_visit_only_with_a_recorded_reason(world):
    case = resolved_repair(world)
    with pytest.raises(ValidationError):
        services.close_case(world.supervisor, case, note="  ")
    services.close_case(world.supervisor, case, note="住户已出国，多次联系不上")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    closed = case.events.get(kind=K.CLOSED)
    assert closed.actor == world.supervisor
    assert closed.text == "住户已出国，多次联系不上"
    assert closed.data == {"without_return_visit": True}
    assert case.return_visits.get().status == "cancelled"  # no longer in anybody's queue


def test_a_complaint_also_needs_its_visit_and_defaults_to_two_days(world):
    with time_machine.travel(MONDAY_9 + timedelta(hours=2), tick=False):
        case = world.register(category="complaint", content="楼上装修噪音，中午也在施工")
        services.resolve_case(world.clerk, case, resolution="已通知装修户遵守施工时间")
    visit = case.return_visits.get()
    # No return-visit policy applies to complaints, so the seeds' 2 days are used.
    assert not Deadline.objects.filter(case=case, kind="return_visit").exists()
    assert visit.due_at == datetime(2026, 3, 5, 0, 0, tzinfo=SH)
    with pytest.raises(ValidationError):
        services.close_case(world.clerk, case)


@pytest.mark.parametrize("category", ["consultation", "suggestion", "praise", "other_service"])
def test_other_categories_get_no_return_visit(world, category):
    case = world.register(category=category, content="物业费可以用手机缴纳吗")
    services.resolve_case(world.clerk, case, resolution="可以，通过公众号缴纳")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert not ReturnVisit.objects.filter(case=case).exists()


def test_unsatisfied_needs_the_residents_words_and_changes_nothing_without_them(world):
    case = resolved_repair(world)
    visit = case.return_visits.get()
    with pytest.raises(ValidationError):
        record_return_visit(world.clerk, visit, channel="phone", satisfaction="unsatisfied", comments=" ")
    visit.refresh_from_db()
    case.refresh_from_db()
    assert visit.status == "pending" and case.status == CaseStatus.RESOLVED
    assert not case.events.filter(kind=K.RETURN_VISIT).exists()


def test_only_service_staff_of_the_estate_record_visits(world):
    case = resolved_repair(world)
    visit = case.return_visits.get()
    for staff in (
        world.technician,
        world.staff["finance_clerk"],
        world.staff["security"],
        other_estate_clerk(world),
    ):
        assert not allows("record_return_visit", staff, case)
        with pytest.raises(CaseActionDenied):
            record_return_visit(staff, visit, channel="phone", satisfaction="satisfied")
        with pytest.raises(CaseActionDenied):
            record_no_answer(staff, visit, "no_answer")
    for role in ("front_desk", "cs_assistant", "cs_supervisor", "office_director", "deputy_gm", "admin"):
        assert allows("record_return_visit", world.staff[role], case), role
    # It is done on the return-visit page, so the case page does not offer it among its actions.
    assert "record_return_visit" not in {a.code for a in allowed_actions(world.clerk, case)}


def test_a_visit_is_recorded_once(world):
    case = resolved_repair(world)
    visit = case.return_visits.get()
    record_return_visit(world.clerk, visit, channel="phone", satisfaction="satisfied")
    with pytest.raises(CaseConflict):
        record_return_visit(
            world.staff["cs_assistant"], visit, channel="phone", satisfaction="unsatisfied", comments="x"
        )
    with pytest.raises(CaseConflict):
        record_no_answer(world.clerk, visit, "no_answer")


def test_a_manual_reopen_cancels_the_waiting_visit_and_the_next_resolution_opens_round_two(world):
    case = resolved_repair(world)
    services.reopen_case(world.technician, case, reason="发现还有一处渗水，需要再处理")
    assert case.return_visits.get().status == "cancelled"
    services.resolve_case(world.technician, case, resolution="已处理")
    assert [(v.round, v.status) for v in case.return_visits.order_by("round")] == [
        (1, "cancelled"),
        (2, "pending"),
    ]


def test_voiding_a_resolved_case_cancels_its_visit(world):
    case = resolved_repair(world)
    services.void_case(world.supervisor, case, reason="重复登记")
    assert case.return_visits.get().status == "cancelled"


def test_the_visit_follows_its_deadline_when_the_clock_is_paused_and_resumed(world):
    from shouwen.cases.services import pause_case, resume_case

    with time_machine.travel(MONDAY_9, tick=False):
        case = resolved_repair(world)
    visit = case.return_visits.get()
    before = visit.due_at
    with time_machine.travel(MONDAY_9 + timedelta(hours=1), tick=False):
        pause_case(world.technician, case, reason="resident_postponed", note="住户出差，周五回来")
    with time_machine.travel(MONDAY_9 + timedelta(days=3, hours=1), tick=False):
        resume_case(world.technician, case)
    visit.refresh_from_db()
    assert visit.due_at == running_return_visit_deadline(case).due_at
    assert visit.due_at > before


def test_the_database_refuses_two_waiting_visits_for_one_case(world):
    case = resolved_repair(world)
    visit = case.return_visits.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnVisit.objects.create(case=case, round=2, due_at=visit.due_at)


def test_the_database_refuses_a_done_visit_without_its_result(world):
    case = resolved_repair(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        case.return_visits.update(status="done")
