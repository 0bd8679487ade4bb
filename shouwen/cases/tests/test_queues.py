"""The queues and list filters are declared once: the queue page and the API list show the same cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from shouwen.cases import queues, services
from shouwen.cases.filters import CaseFilterSet
from shouwen.cases.models import Case
from shouwen.sla.models import Deadline
from shouwen.sla.sweep import sweep_deadlines

SH = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)


def register(world, staff=None, **kw):
    fields = {
        "estate": world.estate,
        "channel": "phone",
        "category": "complaint",
        "content": "楼上装修噪音",
    }
    fields.update(kw)
    return services.register_contact(staff or world.clerk, **fields).case


def page_numbers(client, **params):
    response = client.get(reverse("cases:queue"), params)
    assert response.status_code == 200
    if response.context["handovers"] is not None:
        return [h.case.number for h in response.context["handovers"]]
    return [c.number for c in response.context["cases"]]


def api_numbers(api, **params):
    response = api.get("/api/v1/cases/", params)
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


@pytest.fixture
def busy_estate(world):
    """One case in every queue: handed to a person, to a department, awaiting a supervisor, escalated."""
    with time_machine.travel(MONDAY_9, tick=False):
        cases = {
            "kept": register(world, content="楼道灯不亮"),
            "to_person": register(world, content="外墙渗水"),
            "to_department": register(world, category="public_repair", content="3栋电梯异响"),
            "asked": register(world, category="consultation", content="车位租赁怎么办理"),
            "late": register(world, severity="important", content="物业维修拖延，报修三天没人来"),
            "visit": register(world, channel="visit", category="suggestion", content="建议增加快递柜"),
        }
        services.hand_over(world.clerk, cases["to_person"], to_staff=world.technician, note="请上门查看")
        services.hand_over(
            world.clerk, cases["to_department"], to_department=world.departments["engineering"], note="请处理"
        )
        services.request_assignment(world.clerk, cases["asked"], note="不清楚归哪个部门")
        handover = services.hand_over(world.clerk, cases["late"], to_staff=world.technician, note="请处理")
        services.accept_handover(world.technician, handover)
    late = Deadline.objects.get(case=cases["late"], kind="resolution", state="running")
    return cases, late.due_at + timedelta(minutes=1)


def test_page_and_api_list_the_same_cases_in_every_queue(world, busy_estate, client_for, api_for):
    cases, after_due = busy_estate
    with time_machine.travel(after_due, tick=False):
        sweep_deadlines()  # the late case is escalated to the technician's supervisor
        people = [
            world.clerk,
            world.technician,
            world.staff["engineering_head"],
            world.supervisor,
            world.staff["other_technician"],
        ]
        seen = set()
        for staff in people:
            client = client_for(staff)
            api = api_for(staff)
            for code, queue in queues.QUEUES.items():
                on_page = page_numbers(client, queue=code)
                in_api = api_numbers(api, queue=code)
                if queue.lists_handovers:
                    assert sorted(on_page) == sorted(in_api), (staff.name, code)
                else:
                    assert on_page == in_api, (staff.name, code)
                for alias in queue.aliases:
                    assert api_numbers(api, queue=alias) == in_api, (staff.name, alias)
                    assert page_numbers(client, queue=alias) == on_page, (staff.name, alias)
                if in_api:
                    seen.add(code)
        # Every queue listed something for someone: the comparison above was not between empty lists.
        assert seen == set(queues.QUEUES)
        assert page_numbers(client_for(world.clerk), q="电梯") == api_numbers(api_for(world.clerk), q="电梯")


def test_the_api_has_the_escalated_and_overdue_queues(world, busy_estate, api_for):
    cases, after_due = busy_estate
    with time_machine.travel(after_due, tick=False):
        sweep_deadlines()
        late = cases["late"].number
        assert api_numbers(api_for(world.staff["engineering_head"]), queue="escalated") == [late]
        assert api_numbers(api_for(world.clerk), queue="escalated") == []
        assert late in api_numbers(api_for(world.clerk), queue="overdue")
        assert cases["visit"].number not in api_numbers(api_for(world.clerk), queue="overdue")
        # Another estate's staff see none of it.
        assert api_numbers(api_for(world.staff["other_technician"]), queue="overdue") == []


def test_the_queue_parameter_is_documented_with_every_code_from_the_registry(world, api_for):
    import yaml

    schema = yaml.safe_load(api_for(world.clerk).get("/api/v1/schema/").content)
    params = {p["name"]: p for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]}
    expected = {code for q in queues.QUEUES.values() for code in (q.code, *q.aliases)}
    assert set(params["queue"]["schema"]["enum"]) == expected
    assert {"escalated", "overdue", "estate_open", "handovers_for_me"} <= expected
    assert {"status", "category", "estate", "channel", "received_from", "received_to", "q"} <= set(params)


def test_channel_and_reception_dates_filter_the_page_and_the_api_alike(
    world, busy_estate, client_for, api_for
):
    cases, _after = busy_estate
    client, api = client_for(world.clerk), api_for(world.clerk)
    visits = {"queue": "estate", "channel": "visit"}
    assert page_numbers(client, **visits) == api_numbers(api, **visits) == [cases["visit"].number]
    monday = {"queue": "estate", "received_from": "2026-03-02", "received_to": "2026-03-02"}
    assert len(api_numbers(api, **monday)) == 6
    assert page_numbers(client, **monday) == api_numbers(api, **monday)
    assert api_numbers(api, queue="estate", received_to="2026-03-01") == []


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("status", "nonsense", "“nonsense”不是有效的选项"),
        ("queue", "everything", "“everything”不是有效的选项"),
        ("channel", "pigeon", "“pigeon”不是有效的选项"),
        ("estate", "²", "应为数字编号"),
        ("estate", "9" * 40, "应为数字编号"),
        ("received_from", "昨天", "日期格式应为 YYYY-MM-DD"),
        ("received_to", "2026-02-30", "日期格式应为 YYYY-MM-DD"),
        ("received_to", "9999-12-31", "日期应在 1900-01-01 至 9998-12-31 之间"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter_and_a_note_on_the_page(
    world, api_for, client_for, param, value, message
):
    register(world)
    response = api_for(world.clerk).get("/api/v1/cases/", {param: value})
    assert response.status_code == 400
    assert response.json()[param] == [message]
    filters = CaseFilterSet({param: value}, queryset=Case.objects.all())
    assert not filters.is_valid()
    assert filters.errors[param] == [message]
    if param == "queue":
        return  # the page shows my cases for a queue it does not know (next test)
    page = client_for(world.clerk).get(reverse("cases:queue"), {"queue": "estate", param: value})
    assert page.status_code == 200
    assert message in page.content.decode()
    assert page.context["cases"] == []


def test_an_unknown_queue_on_the_page_shows_my_cases(world, client_for):
    case = register(world)
    assert page_numbers(client_for(world.clerk), queue="nonsense") == [case.number]
