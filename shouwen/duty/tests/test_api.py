"""The duty API: roster and on-duty, handover sheets (create, mark, accept), the night log; page permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shouwen.duty.models import RosterEntry, ShiftKind
from shouwen.duty.tests.helpers import day_of, roster, shift_ending

pytestmark = pytest.mark.django_db
BASE = "/api/v1/duty/"


def test_supervisor_rosters_and_everyone_reads_who_is_on_duty(world, api_for):
    today = timezone.localdate().isoformat()
    body = {"estate": world.estate.pk, "day": today, "kind": "night", "staff": world.technician.pk}
    assert api_for(world.clerk).post(BASE + "roster/", body, format="json").status_code == 403
    answer = api_for(world.supervisor).post(BASE + "roster/", body, format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["shift"] == "night" and answer.json()["staff"]["name"] == "刘师傅"
    listed = api_for(world.technician).get(BASE + "roster/", {"estate": world.estate.pk, "from": today})
    assert [e["id"] for e in listed.json()["results"]] == [answer.json()["id"]]
    at = answer.json()["starts_at"]
    on_duty = api_for(world.clerk).get(BASE + "roster/on-duty/", {"estate": world.estate.pk, "at": at})
    assert [e["staff"]["name"] for e in on_duty.json()] == ["刘师傅"]
    other = api_for(world.staff["other_technician"]).get(
        BASE + "roster/on-duty/", {"estate": world.estate.pk}
    )
    assert other.status_code == 404
    assert api_for(world.clerk).post(BASE + f"roster/{answer.json()['id']}/remove/").status_code == 403
    assert api_for(world.supervisor).post(BASE + f"roster/{answer.json()['id']}/remove/").status_code == 204
    assert not RosterEntry.objects.exists()


def test_handover_sheet_through_the_api(world, api_for):
    ends = timezone.now() + timedelta(minutes=5)
    shift_ending(world, ShiftKind.DAY, ends)
    roster(world, world.clerk, ShiftKind.DAY, day_of(ends))
    a = world.register(content="投诉噪音")
    b = world.register(content="咨询停车位")
    incoming = world.staff["cs_assistant"]
    clerk = api_for(world.clerk)
    created = clerk.post(
        BASE + "handover-sheets/", {"estate": world.estate.pk, "incoming": incoming.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    sheet = created.json()
    assert {c["case"] for c in sheet["cases"]} == {a.number, b.number}
    url = BASE + f"handover-sheets/{sheet['id']}/"
    marked = clerk.post(url + "mark/", {"pass_on": [b.number], "notes": "b 明早回电"}, format="json")
    assert marked.status_code == 200, marked.content
    assert {c["case"]: c["pass_on"] for c in marked.json()["cases"]} == {a.number: False, b.number: True}
    assert clerk.post(url + "accept/").status_code == 403
    assert api_for(world.technician).get(url).status_code == 404
    accepted = api_for(incoming).post(url + "accept/")
    assert accepted.status_code == 200 and accepted.json()["accepted_at"]
    b.refresh_from_db()
    a.refresh_from_db()
    assert b.accountable == incoming and a.accountable == world.clerk
    assert api_for(incoming).post(url + "accept/").status_code == 409


def test_night_log_through_the_api(world, api_for):
    tech = api_for(world.technician)
    created = tech.post(
        BASE + "night-log/", {"estate": world.estate.pk, "content": "楼道灯不亮"}, format="json"
    )
    assert created.status_code == 201 and created.json()["status"] == "open"
    url = BASE + f"night-log/{created.json()['id']}/"
    clerk = api_for(world.clerk)
    assert clerk.post(url + "handled/", {"answer": ""}, format="json").status_code == 400
    done = clerk.post(url + "to-case/", {"category": "public_repair"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "case" and done.json()["case"]
    assert clerk.post(url + "handled/", {"answer": "x"}, format="json").status_code == 409
    listed = clerk.get(BASE + "night-log/", {"status": "open"}).json()
    assert listed["results"] == []
