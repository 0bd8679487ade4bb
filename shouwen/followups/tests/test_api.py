"""Return-visit API: the scoped queue, recording a visit, a call not answered; no DELETE."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from shouwen.cases.models import CaseStatus
from shouwen.followups.tests.helpers import MONDAY_9, other_estate_clerk, resolved_repair

URL = "/api/v1/return-visits/"


def test_pending_visits_are_listed_by_due_date_for_the_estates_served(world, api_for):
    with time_machine.travel(MONDAY_9, tick=False):
        leak = resolved_repair(world, content="卫生间天花板漏水")
    with time_machine.travel(MONDAY_9 + timedelta(hours=6), tick=False):
        lock = resolved_repair(world, content="入户门锁芯坏了")  # due before the leak (2 days, not 3)
    rows = api_for(world.clerk).get(URL, {"status": "pending"}).json()["results"]
    assert [r["case"] for r in rows] == [lock.number, leak.number]
    first = rows[0]
    assert first["round"] == 1 and first["status"] == "pending" and first["attempts"] == 0
    assert first["phone"] == "138****5678"
    assert first["accountable"]["id"] == world.technician.pk
    assert api_for(other_estate_clerk(world)).get(URL).json()["results"] == []
    assert api_for(world.clerk).get(URL, {"status": "later"}).status_code == 400


def test_record_closes_the_case(world, api_for):
    case = resolved_repair(world)
    visit = case.return_visits.get()
    response = api_for(world.clerk).post(
        f"{URL}{visit.pk}/record/", {"channel": "phone", "satisfaction": "satisfied"}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "done" and data["case_status"] == CaseStatus.CLOSED
    assert data["visitor"]["id"] == world.clerk.pk
    # Recorded once only.
    again = api_for(world.clerk).post(
        f"{URL}{visit.pk}/record/", {"channel": "phone", "satisfaction": "satisfied"}, format="json"
    )
    assert again.status_code == 409


def test_unsatisfied_needs_comments_and_then_reopens(world, api_for):
    visit = resolved_repair(world).return_visits.get()
    api = api_for(world.clerk)
    url = f"{URL}{visit.pk}/record/"
    assert (
        api.post(url, {"channel": "phone", "satisfaction": "unsatisfied"}, format="json").status_code == 400
    )
    assert api.post(url, {"channel": "fax", "satisfaction": "satisfied"}, format="json").status_code == 400
    done = api.post(
        url, {"channel": "phone", "satisfaction": "unsatisfied", "comments": "还在漏"}, format="json"
    )
    assert done.json()["case_status"] == CaseStatus.OPEN


def test_no_answer_counts_an_attempt(world, api_for):
    visit = resolved_repair(world).return_visits.get()
    response = api_for(world.clerk).post(f"{URL}{visit.pk}/no-answer/", {"note": "响铃无人接"}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "pending" and data["attempts"] == 1
    assert [(a["outcome"], a["note"]) for a in data["attempt_records"]] == [("no_answer", "响铃无人接")]


def test_other_estates_and_other_roles_are_kept_out(world, api_for):
    visit = resolved_repair(world).return_visits.get()
    outsider = api_for(other_estate_clerk(world))
    assert outsider.get(f"{URL}{visit.pk}/").status_code == 404
    assert outsider.post(f"{URL}{visit.pk}/no-answer/", {}, format="json").status_code == 404
    technician = api_for(world.technician)
    assert technician.get(URL).status_code == 403
    assert technician.post(f"{URL}{visit.pk}/no-answer/", {}, format="json").status_code == 403
    assert api_for(world.clerk).delete(f"{URL}{visit.pk}/").status_code == 405


def test_case_close_without_visit_is_a_400_for_the_holder(world, api_for):
    case = resolved_repair(world)
    response = api_for(world.technician).post(f"/api/v1/cases/{case.number}/close/", {}, format="json")
    assert response.status_code == 400
    closed = api_for(world.supervisor).post(
        f"/api/v1/cases/{case.number}/close/", {"note": "住户拒绝回访"}, format="json"
    )
    assert closed.json()["status"] == CaseStatus.CLOSED
