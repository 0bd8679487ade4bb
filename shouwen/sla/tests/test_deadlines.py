"""Deadlines follow the case: opened from the policies, met, paused, escalated by the sweep."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from shouwen.cases import services
from shouwen.cases.models import CaseEvent
from shouwen.sla import services as sla
from shouwen.sla.models import Deadline, DeadlinePolicy, Escalation, PolicyChange
from shouwen.sla.sweep import sweep_deadlines

SH = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)


def complaint(world, severity="", staff=None, **kw):
    """A complaint about noise from upstairs, by nobody named."""
    anonymous = {"caller_name": "", "caller_phone": "", "resident": None, "unit": None}
    return world.register(staff, **{**anonymous, "content": "楼上装修噪音", "severity": severity, **kw})


def deadline(case, kind):
    return Deadline.objects.get(case=case, kind=kind, state__in=["running", "paused"])


@time_machine.travel(MONDAY_9, tick=False)
def test_major_complaint_gets_the_seed_limits_and_is_reported_to_the_director(world):
    case = complaint(world, "major")
    assert deadline(case, "first_answer").due_at == datetime(2026, 3, 5, 0, 0, tzinfo=SH)  # 2 days
    assert deadline(case, "resolution").due_at == datetime(2026, 3, 13, 0, 0, tzinfo=SH)  # 10 days
    reported = case.events.get(kind=CaseEvent.Kind.REPORTED)
    assert "欧阳建国" in reported.text  # the office director, the same day
    from shouwen.notifications.models import Notification

    assert Notification.objects.filter(recipient=world.staff["office_director"], case=case).exists()


@time_machine.travel(MONDAY_9, tick=False)
def test_ungraded_complaint_follows_the_remit_rule(world):
    case = complaint(world)
    assert deadline(case, "resolution").due_at == datetime(2026, 3, 3, 0, 0, tzinfo=SH)  # the same day
    handover = services.hand_over(world.clerk, case, to_staff=world.technician, note="请处理")
    services.accept_handover(world.technician, handover)
    # Passed to another department: 3 days.
    assert deadline(case, "resolution").due_at == datetime(2026, 3, 6, 0, 0, tzinfo=SH)


def test_handover_must_be_accepted_within_30_working_minutes_and_margin_is_kept(world):
    with time_machine.travel(MONDAY_9, tick=False):
        case = complaint(world, "minor")
        handover = services.hand_over(world.clerk, case, to_staff=world.technician, note="请处理")
        d = Deadline.objects.get(case=case, kind="handover_accept")
        assert d.due_at == MONDAY_9 + timedelta(minutes=30)
    with time_machine.travel(MONDAY_9 + timedelta(minutes=10), tick=False):
        services.accept_handover(world.technician, handover)
    d.refresh_from_db()
    assert d.state == "met"
    assert d.margin_seconds == 20 * 60


def test_pause_stops_the_clock_and_resume_moves_every_deadline_on(world):
    with time_machine.travel(MONDAY_9, tick=False):
        case = complaint(world, "important")
        due = deadline(case, "resolution").due_at
        services.pause_case(world.clerk, case, reason="resident_documents", note="等住户提供照片")
        case.refresh_from_db()
        assert deadline(case, "resolution").state == "paused"
        assert deadline(case, "resolution").due_at is None
    with time_machine.travel(MONDAY_9 + timedelta(hours=5), tick=False):
        services.resume_case(world.clerk, case)
    assert deadline(case, "resolution").due_at == due + timedelta(hours=5)
    kinds = list(case.events.values_list("kind", flat=True))
    assert "paused" in kinds and "resumed" in kinds


def test_pause_needs_a_reason_from_the_list(world):
    from django.core.exceptions import ValidationError

    case = complaint(world, "minor")
    with pytest.raises(ValidationError):
        services.pause_case(world.clerk, case, reason="lunch", note="x")
    with pytest.raises(ValidationError):
        services.pause_case(world.clerk, case, reason="parts", note=" ")


def test_sweep_climbs_the_ladder_once_per_level(world, client_for):
    from shouwen.notifications.models import Notification

    with time_machine.travel(MONDAY_9, tick=False):
        case = complaint(world, "important")  # handled within 3 days
        handover = services.hand_over(world.clerk, case, to_staff=world.technician, note="请处理")
        services.accept_handover(world.technician, handover)
    d = deadline(case, "resolution")
    # 80% of the time used: the accountable person is reminded.
    with time_machine.travel(d.near_at + timedelta(minutes=1), tick=False):
        sweep_deadlines()
        assert Notification.objects.filter(recipient=world.technician, kind="near_due").count() == 1
        sweep_deadlines()
        assert Notification.objects.filter(recipient=world.technician, kind="near_due").count() == 1
    # Past due: the technician's supervisor (the engineering head) is told, and sees it in the queue.
    with time_machine.travel(d.due_at + timedelta(minutes=1), tick=False):
        sweep_deadlines()
        head = world.staff["engineering_head"]
        assert Escalation.objects.filter(case=case, target=head, level=2).exists()
        page = client_for(head).get(reverse("cases:queue"), {"queue": "escalated"}).content.decode()
        assert case.number in page
    # Half as long again: the office director.
    with time_machine.travel(d.final_at + timedelta(minutes=1), tick=False):
        sweep_deadlines()
        assert Escalation.objects.filter(case=case, target=world.staff["office_director"], level=3).exists()
    assert case.events.filter(kind=CaseEvent.Kind.ESCALATED).count() == 2
    assert case.events.filter(kind=CaseEvent.Kind.NEAR_DUE).count() == 1


def test_sweep_reads_only_what_is_due(world, django_assert_max_num_queries):
    with time_machine.travel(MONDAY_9, tick=False):
        for _ in range(30):
            complaint(world, "minor")
    with django_assert_max_num_queries(1):
        assert sweep_deadlines(now=MONDAY_9 + timedelta(minutes=5)) == {"checked": 0, "escalated": 0}


def test_resolving_meets_the_deadline_and_opens_the_return_visit(world):
    with time_machine.travel(MONDAY_9, tick=False):
        case = services.register_contact(
            world.clerk,
            estate=world.estate,
            channel="phone",
            category="household_repair",
            content="卫生间漏水",
        ).case
        assert case.repair_type == "leak"
    with time_machine.travel(MONDAY_9 + timedelta(hours=2), tick=False):
        services.resolve_case(world.clerk, case, resolution="已修好，试漏完成")
    visit = deadline(case, "return_visit")
    assert visit.due_at == datetime(2026, 3, 6, 0, 0, tzinfo=SH)  # leak: 3 days after the leak test
    with time_machine.travel(MONDAY_9 + timedelta(days=1), tick=False):
        # A repair closes through its recorded return visit (shouwen.followups), made by a colleague
        # of the clerk who resolved it.
        from shouwen.followups.services import record_return_visit

        record_return_visit(
            world.staff["cs_assistant"], case.return_visits.get(), channel="phone", satisfaction="satisfied"
        )
    visit.refresh_from_db()
    assert visit.state == "met" and visit.margin_seconds > 0


def test_changing_a_policy_recomputes_open_deadlines_and_is_logged(world, client):
    with time_machine.travel(MONDAY_9, tick=False):
        case = complaint(world, "important")
        policy = DeadlinePolicy.objects.get(name="重要投诉：3天内处理完毕")
        client.force_login(world.staff["admin"].user)
        data = {
            f: getattr(policy, f)
            for f in [
                "name",
                "kind",
                "category",
                "severity",
                "repair_type",
                "remit",
                "unit",
                "near_ratio",
                "overdue_to",
                "final_to",
                "final_after_ratio",
                "source",
            ]
        }
        data.update(
            {"amount": 5, "active": "on", "safety": "", "changes-TOTAL_FORMS": 0, "changes-INITIAL_FORMS": 0}
        )
        response = client.post(reverse("admin:sla_deadlinepolicy_change", args=[policy.pk]), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        change = PolicyChange.objects.get(policy=policy)
        assert change.before["amount"] == "3" and change.after["amount"] == "5"
        assert change.changed_by == world.staff["admin"].user
        # The worker runs the recompute task; here it is called directly.
        assert sla.recompute_policy(policy.pk) == 1
    assert deadline(case, "resolution").due_at == datetime(2026, 3, 8, 0, 0, tzinfo=SH)
