"""Repairs by urgency: proposed from the words, chosen by the clerk, timed and escalated, emergencies told at once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from shouwen.notifications.models import Notification
from shouwen.sla.models import Deadline, DeadlinePolicy, Escalation
from shouwen.sla.services import recompute_policy
from shouwen.sla.sweep import sweep_deadlines

SH = ZoneInfo("Asia/Shanghai")
NIGHT = datetime(2026, 3, 2, 22, 30, tzinfo=SH)  # a Monday, in the quiet hours (22:00–07:00)


def repair(world, content, **kw):
    return world.register(category="public_repair", content=content, resident=None, unit=None, **kw)


def running(case, kind):
    return Deadline.objects.get(case=case, kind=kind, state="running")


def test_urgency_is_proposed_from_the_description(world):
    assert repair(world, "3号楼电梯困人，两位老人被困").urgency == "emergency"
    assert repair(world, "地下室水管爆管，水漫车库").urgency == "emergency"
    assert repair(world, "楼道闻到燃气味").urgency == "emergency"
    assert repair(world, "5楼走廊顶棚渗水").urgency == "urgent"
    assert repair(world, "单元门把手松动").urgency == "normal"


def test_the_clerk_may_choose_another_urgency_and_other_categories_have_none(world):
    assert repair(world, "电梯困人演练后检查按钮", urgency="normal").urgency == "normal"
    assert world.register(category="consultation", content="电梯困人怎么办").urgency == ""


@time_machine.travel(NIGHT, tick=False)
def test_an_emergency_must_be_on_site_in_30_minutes_and_done_in_24_hours_day_or_night(world):
    case = repair(world, "3号楼电梯困人，两位老人被困")
    assert running(case, "on_site").due_at == NIGHT + timedelta(minutes=30)
    assert running(case, "resolution").due_at == NIGHT + timedelta(hours=24)


def test_a_normal_repair_is_visited_the_next_working_day_and_done_in_three(world):
    # Thursday 30 April 2026; 1–5 May is the May Day holiday.
    with time_machine.travel(datetime(2026, 4, 30, 10, 0, tzinfo=SH), tick=False):
        case = repair(world, "单元门把手松动")
    assert running(case, "on_site").due_at == datetime(2026, 5, 6, 17, 30, tzinfo=SH)
    assert running(case, "resolution").due_at == datetime(2026, 5, 8, 17, 30, tzinfo=SH)


@time_machine.travel(NIGHT, tick=False)
def test_an_emergency_wakes_the_technicians_their_head_and_the_supervisor_despite_quiet_hours(world):
    case = repair(world, "地下室水管爆管，水漫车库")
    told = Notification.objects.filter(case=case)
    wanted = {world.technician, world.staff["engineering_head"], world.supervisor}
    assert {n.recipient for n in told} == wanted
    assert all(n.urgent and n.email_status == "pending" for n in told)
    assert case.events.filter(kind="reported", data__emergency=True).exists()
    # An ordinary report at the same hour waits for the morning.
    complaint = world.register(category="complaint", severity="important", content="保安夜间巡逻不到位")
    held = Notification.objects.get(case=complaint, recipient=world.supervisor)
    assert held.email_status == "held"


def test_a_late_arrival_is_escalated_like_a_complaint_and_an_arrival_meets_the_limit(world):
    from shouwen.workorders import services as orders

    with time_machine.travel(NIGHT, tick=False):
        late = repair(world, "3号楼电梯困人，两位老人被困")
        prompt = repair(world, "2号楼电梯困人")
        order = orders.create_work_order(
            world.clerk, prompt, trade="lift", urgency="emergency", technicians=[world.technician]
        )
    with time_machine.travel(NIGHT + timedelta(minutes=20), tick=False):
        orders.accept_work_order(world.technician, order)
        orders.set_out(world.technician, order)
        orders.arrive(world.technician, order)
    met = Deadline.objects.get(case=prompt, kind="on_site")
    assert met.state == "met" and met.margin_seconds == 10 * 60
    with time_machine.travel(NIGHT + timedelta(minutes=31), tick=False):
        sweep_deadlines()
    overdue = Deadline.objects.get(case=late, kind="on_site")
    assert Escalation.objects.filter(deadline=overdue, level=2).exists()
    assert not Escalation.objects.filter(deadline=met).exists()


@time_machine.travel(NIGHT, tick=False)
def test_the_limits_are_edited_in_the_admin_and_open_repairs_follow(world):
    case = repair(world, "5楼走廊顶棚渗水")
    policy = DeadlinePolicy.objects.get(kind="on_site", urgency="urgent")
    assert policy.source and running(case, "on_site").due_at == NIGHT + timedelta(hours=2)
    policy.amount = 1
    policy.save()
    assert recompute_policy(policy.pk) >= 1
    assert running(case, "on_site").due_at == NIGHT + timedelta(hours=1)


def test_the_intake_page_and_the_api_take_the_urgency(world, client_for, api_for):
    from shouwen.cases.models import Case

    page = client_for(world.clerk).get(reverse("cases:intake")).content.decode()
    assert 'name="urgency"' in page and 'name="requested_due"' in page
    body = api_for(world.clerk).post(
        "/api/v1/cases/",
        {
            "estate": world.estate.pk,
            "channel": "phone",
            "category": "household_repair",
            "content": "卫生间地漏堵塞",
            "urgency": "emergency",
            "requested_due": "2026-12-31",
        },
        format="json",
    )
    assert body.status_code == 201, body.content
    case = Case.objects.get(number=body.json()["number"])
    assert case.urgency == "emergency" and str(case.requested_due) == "2026-12-31"
    detail = api_for(world.clerk).get(f"/api/v1/cases/{case.number}/").json()
    assert detail["urgency"] == "emergency" and detail["urgency_display"] == "紧急"
    bad = api_for(world.clerk).post(
        "/api/v1/cases/",
        {
            "estate": world.estate.pk,
            "channel": "phone",
            "category": "household_repair",
            "content": "x",
            "urgency": "asap",
        },
        format="json",
    )
    assert bad.status_code == 400 and "urgency" in bad.json()
