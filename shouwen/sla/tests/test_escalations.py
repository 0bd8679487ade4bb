"""Escalations (督办) are read and handled through services, from the page and the API; pausing is a case action."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from shouwen.cases import services
from shouwen.cases.models import Case, CaseEvent
from shouwen.sla import services as sla
from shouwen.sla.models import Deadline, Escalation, Pause
from shouwen.sla.sweep import sweep_deadlines

SH = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)


def overdue_complaint(world):
    """An important complaint handled by the technician, past its resolution limit and swept."""
    with time_machine.travel(MONDAY_9, tick=False):
        case = services.register_contact(
            world.clerk,
            estate=world.estate,
            channel="phone",
            category="complaint",
            severity="important",
            content="物业维修拖延，报修三天没人来",
        ).case
        handover = services.hand_over(world.clerk, case, to_staff=world.technician, note="请尽快上门")
        services.accept_handover(world.technician, handover)
    due = Deadline.objects.get(case=case, kind="resolution", state="running").due_at
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        sweep_deadlines()
    return case, Escalation.objects.get(case=case, target=world.staff["engineering_head"])


def test_handling_an_escalation_records_who_when_and_what_and_empties_the_queue(world, client_for):
    case, escalation = overdue_complaint(world)
    head = world.staff["engineering_head"]
    assert (
        case.number in client_for(head).get(reverse("cases:queue"), {"queue": "escalated"}).content.decode()
    )
    sla.acknowledge_escalation(head, escalation)
    escalation.refresh_from_db()
    first_read = escalation.acknowledged_at
    assert first_read is not None and escalation.handled_at is None
    sla.acknowledge_escalation(head, escalation)  # reading it again keeps the first reading
    escalation.refresh_from_db()
    assert escalation.acknowledged_at == first_read
    with pytest.raises(ValidationError):
        sla.handle_escalation(head, escalation, "  ")
    sla.handle_escalation(head, escalation, "已督促刘师傅今天下午上门")
    escalation.refresh_from_db()
    assert escalation.handled_by == head and escalation.handled_at is not None
    assert escalation.handling == "已督促刘师傅今天下午上门"
    assert (
        case.number
        not in client_for(head).get(reverse("cases:queue"), {"queue": "escalated"}).content.decode()
    )
    with pytest.raises(sla.EscalationConflict):
        sla.handle_escalation(world.supervisor, escalation, "再次处理")


def test_only_the_target_or_a_supervisor_of_the_estate_may_act(world):
    _case, escalation = overdue_complaint(world)
    with pytest.raises(PermissionDenied):
        sla.acknowledge_escalation(world.clerk, escalation)  # not addressed to her, not a supervisor
    with pytest.raises(PermissionDenied):
        sla.handle_escalation(world.staff["other_technician"], escalation, "不是我的小区")
    sla.handle_escalation(world.supervisor, escalation, "主管已协调工程部")  # a supervisor of the estate
    escalation.refresh_from_db()
    assert escalation.handled_by == world.supervisor


def test_the_page_lists_my_escalations_and_handles_them(world, client_for):
    case, escalation = overdue_complaint(world)
    clerk_page = client_for(world.clerk).get(reverse("sla:escalations")).content.decode()
    assert f"escalation-{escalation.pk}" not in clerk_page  # not addressed to her
    client = client_for(world.staff["engineering_head"])
    page = client.get(reverse("sla:escalations")).content.decode()
    assert case.number in page and f"escalation-{escalation.pk}" in page
    client.post(reverse("sla:escalation_acknowledge", args=[escalation.pk]))
    response = client.post(reverse("sla:escalation_handle", args=[escalation.pk]), {"note": ""})
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is not None and escalation.handled_at is None
    client.post(reverse("sla:escalation_handle", args=[escalation.pk]), {"note": "已安排上门"})
    escalation.refresh_from_db()
    assert escalation.handling == "已安排上门"
    handled = client.get(reverse("sla:escalations"), {"state": "handled"}).content.decode()
    assert "已安排上门" in handled


def test_the_page_refuses_other_estates_and_people_it_is_not_addressed_to(world, client_for):
    _case, escalation = overdue_complaint(world)
    url = reverse("sla:escalation_handle", args=[escalation.pk])
    assert client_for(world.staff["other_technician"]).post(url, {"note": "x"}).status_code == 404
    refused = client_for(world.clerk).post(url, {"note": "x"}, follow=True)
    assert [m.level_tag for m in refused.context["messages"]] == ["error"]
    escalation.refresh_from_db()
    assert escalation.handled_at is None


def test_the_api_lists_acknowledges_and_handles_escalations(world, api_for):
    case, escalation = overdue_complaint(world)
    head = api_for(world.staff["engineering_head"])
    rows = head.get("/api/v1/escalations/", {"state": "open"}).json()["results"]
    assert [(r["id"], r["case"]) for r in rows] == [(escalation.pk, case.number)]
    assert api_for(world.clerk).get("/api/v1/escalations/").json()["results"] == []
    everything = api_for(world.supervisor).get("/api/v1/escalations/", {"scope": "estate"}).json()["results"]
    assert escalation.pk in [r["id"] for r in everything]
    assert head.get("/api/v1/escalations/", {"state": "later"}).status_code == 400
    response = head.post(f"/api/v1/escalations/{escalation.pk}/acknowledge/")
    assert response.status_code == 200 and response.json()["acknowledged_at"]
    assert head.post(f"/api/v1/escalations/{escalation.pk}/handle/", {}, format="json").status_code == 400
    response = head.post(
        f"/api/v1/escalations/{escalation.pk}/handle/", {"note": "已安排上门"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["handled_by"]["id"] == world.staff["engineering_head"].pk
    again = head.post(f"/api/v1/escalations/{escalation.pk}/handle/", {"note": "再来一次"}, format="json")
    assert again.status_code == 409
    assert head.get("/api/v1/cases/", {"queue": "escalated"}).json()["results"] == []


def test_the_api_refuses_other_estates_and_people_it_is_not_addressed_to(world, api_for):
    _case, escalation = overdue_complaint(world)
    url = f"/api/v1/escalations/{escalation.pk}/handle/"
    assert api_for(world.staff["other_technician"]).post(url, {"note": "x"}, format="json").status_code == 404
    assert api_for(world.clerk).post(url, {"note": "x"}, format="json").status_code == 403
    escalation.refresh_from_db()
    assert escalation.handled_at is None


def test_pausing_is_a_case_action_that_bumps_the_version_and_the_deadlines_follow(world):
    with time_machine.travel(MONDAY_9, tick=False):
        case = services.register_contact(
            world.clerk, estate=world.estate, channel="phone", category="complaint", content="楼上装修噪音"
        ).case
        version = Case.objects.get(pk=case.pk).version
        services.pause_case(world.clerk, case, reason="parts", note="等待配件")
        case.refresh_from_db()
        assert case.version == version + 1 and case.paused_since == MONDAY_9
        pause = Pause.objects.get(case=case)
        assert (pause.reason, pause.note, pause.started_by) == ("parts", "等待配件", world.clerk)
        assert Deadline.objects.get(case=case, kind="resolution").state == "paused"
    with time_machine.travel(MONDAY_9 + timedelta(hours=2), tick=False):
        services.resume_case(world.clerk, case, note="配件已到")
    case.refresh_from_db()
    pause.refresh_from_db()
    assert case.version == version + 2 and case.paused_since is None
    assert pause.ended_at == MONDAY_9 + timedelta(hours=2) and pause.ended_by == world.clerk
    assert Deadline.objects.get(case=case, kind="resolution").state == "running"
    assert case.events.filter(kind=CaseEvent.Kind.PAUSED, data__reason="parts").exists()


def test_cases_imports_nothing_from_the_deadline_app():
    from pathlib import Path

    import shouwen.cases

    root = Path(shouwen.cases.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        # The demo data (shouwen.development) rewinds every app's history; it is not part of the cases app.
        if not {"tests", "migrations"} & set(path.parts)
        if "shouwen.sla" in path.read_text()
    ]
    assert offenders == []
