"""Queues that show what is due and let supervisors act: due column, sort, filters, saved views, bulk reassign."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from shouwen.cases import services
from shouwen.cases.models import CaseEvent, SavedView
from shouwen.sla.models import Deadline

SH = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
QUEUE = reverse("cases:queue")


def page_rows(client, **params):
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return response, [c.number for c in response.context["cases"]]


def api_rows(api, **params):
    response = api.get("/api/v1/cases/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def late_repairs(world):
    """Three repairs handed to engineering a day apart and never accepted (the first is the most
    overdue), and a complaint handed to the technician."""
    cases = {}
    for day, name in enumerate(("oldest", "middle", "newest")):
        with time_machine.travel(MONDAY_9 + timedelta(days=day), tick=False):
            case = world.register(category="public_repair", content=f"3栋电梯异响 {name}", resident=None)
            services.hand_over(
                world.clerk, case, to_department=world.departments["engineering"], note="请处理"
            )
            cases[name] = case
    with time_machine.travel(MONDAY_9 + timedelta(days=3), tick=False):
        cases["complaint"] = world.register(severity="important", content="楼上装修噪音")
        services.hand_over(world.clerk, cases["complaint"], to_staff=world.technician, note="请上门查看")
    return cases


def later(days: int = 20) -> datetime:
    return MONDAY_9 + timedelta(days=days)


def test_each_row_shows_its_nearest_deadline_and_how_late_it_is_on_the_page_and_in_the_api(
    world, late_repairs, client_for, api_for
):
    oldest = late_repairs["oldest"]
    nearest = Deadline.objects.filter(case=oldest, state="running").order_by("due_at").first()
    assert nearest is not None
    with time_machine.travel(later(), tick=False):
        rows = {r["number"]: r for r in api_rows(api_for(world.clerk), queue="estate")}
        row = rows[oldest.number]
        assert row["next_due_kind"] == nearest.kind
        assert row["due_in_seconds"] == int((nearest.due_at - later()).total_seconds()) < 0
        response, _numbers = page_rows(client_for(world.clerk), queue="estate")
    html = response.content.decode()
    assert "超时" in html
    assert nearest.due_at.astimezone(SH).strftime("%m-%d %H:%M") in html


def test_a_pending_handover_is_marked_with_its_age(world, late_repairs, client_for, api_for):
    complaint = late_repairs["complaint"]
    with time_machine.travel(MONDAY_9 + timedelta(days=3, hours=2), tick=False):
        rows = {r["number"]: r for r in api_rows(api_for(world.clerk), queue="estate")}
        response, _numbers = page_rows(client_for(world.clerk), queue="estate")
    assert rows[complaint.number]["handover_pending_since"] is not None
    assert rows[late_repairs["oldest"].number]["handover_pending_since"] is not None
    html = response.content.decode()
    assert "待接收 2小时0分" in html  # the complaint's, handed over two hours ago
    assert "待接收 3天2小时" in html  # the oldest repair's


def test_sorting_by_time_overdue_puts_the_most_overdue_first_on_the_page_and_in_the_api(
    world, late_repairs, client_for, api_for
):
    params = {"queue": "overdue", "category": "public_repair", "sort": "overdue"}
    expected = [late_repairs[n].number for n in ("oldest", "middle", "newest")]
    with time_machine.travel(later(), tick=False):
        _response, on_page = page_rows(client_for(world.supervisor), **params)
        in_api = [r["number"] for r in api_rows(api_for(world.supervisor), **params)]
        newest_first = [
            r["number"] for r in api_rows(api_for(world.supervisor), queue="estate", sort="-received")
        ]
    assert on_page == in_api == expected
    assert newest_first[0] == late_repairs["complaint"].number


def test_filters_by_severity_department_and_deadline_kind_agree_on_page_and_api(
    world, late_repairs, client_for, api_for
):
    client, api = client_for(world.clerk), api_for(world.clerk)
    complaint = late_repairs["complaint"]
    for params, expected in (
        ({"queue": "estate", "severity": "important"}, [complaint.number]),
        # Repairs have a resolution limit too (by urgency): narrowed to complaints, only the one.
        ({"queue": "estate", "deadline_kind": "resolution", "category": "complaint"}, [complaint.number]),
        ({"queue": "estate", "department": world.departments["engineering"].pk}, []),
        (
            {"queue": "estate", "department": world.departments["service"].pk, "severity": "important"},
            [complaint.number],
        ),
    ):
        _response, on_page = page_rows(client, **params)
        assert on_page == [r["number"] for r in api_rows(api, **params)] == expected, params
    bad = api.get("/api/v1/cases/", {"deadline_kind": "whenever", "sort": "sideways"})
    assert bad.status_code == 400
    assert set(bad.json()) >= {"deadline_kind", "sort"}


def test_company_wide_roles_see_an_estate_column_and_filter_and_the_desk_does_not(
    world, late_repairs, client_for
):
    gm = client_for(world.staff["deputy_gm"])
    response, numbers = page_rows(gm, queue="estate", estate=world.estate.pk)
    assert len(numbers) == 4
    assert response.context["show_estate"] and world.estate in response.context["estates"]
    assert "<th>小区</th>" in response.content.decode()
    _response, other = page_rows(gm, queue="estate", estate=world.other_estate.pk)
    assert other == []
    clerk_page, _numbers = page_rows(client_for(world.clerk), queue="estate")
    assert not clerk_page.context["show_estate"]
    assert "<th>小区</th>" not in clerk_page.content.decode()


def test_the_overdue_and_escalated_tabs_show_counts(world, late_repairs, client_for):
    with time_machine.travel(later(), tick=False):
        response, _numbers = page_rows(client_for(world.supervisor), queue="estate")
    counts = response.context["counts"]
    assert counts["overdue"] == 4
    assert "escalated" in counts
    assert '已超时 <span class="count">4</span>' in response.content.decode()


def test_a_saved_view_keeps_only_the_list_parameters_and_belongs_to_its_owner(
    world, late_repairs, client_for
):
    client = client_for(world.supervisor)
    response = client.post(
        reverse("cases:save_view"),
        {"name": "超时报修", "query": "queue=overdue&category=public_repair&sort=overdue&page=3&evil=1"},
    )
    assert response.status_code == 302
    view = SavedView.objects.get(owner=world.supervisor)
    assert view.query == "queue=overdue&category=public_repair&sort=overdue"
    listed, _numbers = page_rows(client, queue="mine")
    assert f'href="?{view.query.replace("&", "&amp;")}"' in listed.content.decode()
    # Saving under the same name replaces the view; an empty name or no filters are refused.
    client.post(reverse("cases:save_view"), {"name": "超时报修", "query": "queue=overdue"})
    assert SavedView.objects.get(owner=world.supervisor).query == "queue=overdue"
    client.post(reverse("cases:save_view"), {"name": " ", "query": "queue=overdue"})
    assert SavedView.objects.filter(owner=world.supervisor).count() == 1
    # Another person neither sees nor removes it.
    clerk = client_for(world.clerk)
    clerk_page, _numbers = page_rows(clerk, queue="mine")
    assert clerk_page.context["saved_views"] == []
    clerk.post(reverse("cases:forget_view", args=[view.pk]))
    assert SavedView.objects.filter(pk=view.pk).exists()
    client_for(world.supervisor).post(reverse("cases:forget_view", args=[view.pk]))
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_a_supervisor_bulk_reassigns_cases_and_each_refusal_is_reported(world, late_repairs, client_for):
    oldest, middle = late_repairs["oldest"], late_repairs["middle"]
    complaint = late_repairs["complaint"]
    services.reassign(world.supervisor, complaint, to_staff=world.technician, note="先指派")
    response = client_for(world.supervisor).post(
        reverse("cases:bulk_reassign"),
        {
            "numbers": [oldest.number, middle.number, complaint.number, "LJY-20990101-0001"],
            "to_staff": world.technician.pk,
            "note": "工程部集中处理",
            "back": "queue=overdue",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith("?queue=overdue")
    texts = [str(m) for m in response.context["messages"]]
    assert any(oldest.number in t and middle.number in t and "刘师傅" in t for t in texts)
    assert any(complaint.number in t and "已是当前责任人" in t for t in texts)
    assert any("LJY-20990101-0001" in t and "没有找到" in t for t in texts)
    for case in (oldest, middle):
        case.refresh_from_db()
        assert case.accountable == world.technician
        assert CaseEvent.objects.filter(case=case, kind="reassigned").count() == 1


def test_only_supervisors_may_bulk_reassign(world, late_repairs, client_for, api_for):
    oldest = late_repairs["oldest"]
    data = {"numbers": [oldest.number], "to_staff": world.technician.pk, "note": "试试"}
    assert client_for(world.clerk).post(reverse("cases:bulk_reassign"), data).status_code == 403
    assert api_for(world.clerk).post("/api/v1/cases/bulk-reassign/", data, format="json").status_code == 403
    page, _numbers = page_rows(client_for(world.clerk), queue="estate")
    assert page.context["bulk_form"] is None
    oldest.refresh_from_db()
    assert oldest.accountable == world.clerk


def test_the_api_bulk_reassigns_case_by_case(world, late_repairs, api_for):
    oldest, complaint = late_repairs["oldest"], late_repairs["complaint"]
    services.reassign(world.supervisor, oldest, to_staff=world.technician, note="先指派")
    response = api_for(world.supervisor).post(
        "/api/v1/cases/bulk-reassign/",
        {"numbers": [oldest.number, complaint.number], "to_staff": world.technician.pk, "note": "请跟进"},
        format="json",
    )
    assert response.status_code == 200, response.content
    outcome = {row["number"]: row for row in response.json()}
    assert outcome[complaint.number]["done"] is True
    assert outcome[oldest.number]["done"] is False and "已是当前责任人" in outcome[oldest.number]["reason"]
    bad = api_for(world.supervisor).post("/api/v1/cases/bulk-reassign/", {"numbers": []}, format="json")
    assert bad.status_code == 400
    assert {"numbers", "to_staff"} <= set(bad.json())
