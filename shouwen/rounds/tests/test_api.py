"""API of the daily routine: the same rules and permissions as the pages."""

from __future__ import annotations

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from shouwen.rounds import services
from shouwen.rounds.models import PatrolReport
from shouwen.rounds.tests.helpers import PNG, TUESDAY_9, TUESDAY_16, patrol_with_finding

REPORTS = "/api/v1/patrol-reports/"
REVIEW = "/api/v1/morning-review/"


def _items(world, finding_at: str = "楼道"):
    return [
        {
            "checkpoint": cp.pk,
            "normal": cp.name != finding_at,
            "finding": "5栋3楼楼道堆放纸箱，堵塞消防通道" if cp.name == finding_at else "",
            "needs_action": cp.name == finding_at,
        }
        for cp in services.active_checkpoints(world.estate)
    ]


def test_hand_in_a_report_add_a_photo_and_the_supervisor_reads_it(world, api_for):
    api = api_for(world.staff["cs_assistant"])
    checkpoints = api.get("/api/v1/patrol-checkpoints/", {"estate": world.estate.pk}).json()
    assert [c["name"] for c in checkpoints["results"]][:2] == ["大门岗", "车库"]
    with time_machine.travel(TUESDAY_16, tick=False):
        answer = api.post(
            REPORTS, {"estate": world.estate.pk, "items": _items(world), "note": "其余正常"}, format="json"
        )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["late"] is False
    finding = next(i for i in body["items"] if not i["normal"])
    assert finding["case"]
    photo = api.post(
        f"{REPORTS}{body['id']}/photos/",
        {"item": finding["id"], "file": SimpleUploadedFile("楼道.png", PNG, content_type="image/png")},
        format="multipart",
    )
    assert photo.status_code == 201, photo.content
    url = next(i for i in photo.json()["items"] if not i["normal"])["photos"][0]["url"]
    assert api.get(url).status_code == 200
    report = PatrolReport.objects.get(pk=body["id"])
    assert report.items.get(normal=False).case.attachments.count() == 1

    assert api.post(f"{REPORTS}{body['id']}/read/").status_code == 403
    boss = api_for(world.supervisor)
    unread = boss.get(REPORTS, {"unread": "true"}).json()
    assert [r["id"] for r in unread["results"]] == [body["id"]]
    read = boss.post(f"{REPORTS}{body['id']}/read/")
    assert read.status_code == 200
    assert read.json()["read_by"]["name"] == world.supervisor.name
    assert boss.post(f"{REPORTS}{body['id']}/read/").status_code == 409
    assert boss.get(REPORTS, {"unread": "true"}).json()["results"] == []


def test_refusals_of_the_report_api(world, api_for):
    api = api_for(world.staff["cs_assistant"])
    missing = api.post(REPORTS, {"estate": world.estate.pk, "items": _items(world)[:2]}, format="json")
    assert missing.status_code == 400 and "items" in missing.json()
    foreign = api.post(REPORTS, {"estate": world.other_estate.pk, "items": []}, format="json")
    assert foreign.status_code == 400 and "estate" in foreign.json()
    assert api_for(world.technician).get(REPORTS).status_code == 403
    report = patrol_with_finding(world, needs_action=False)
    item = report.items.get(normal=False)
    made = api.post(f"{REPORTS}{report.pk}/cases/", {"item": item.pk}, format="json")
    assert made.status_code == 200
    assert api.post(f"{REPORTS}{report.pk}/cases/", {"item": item.pk}, format="json").status_code == 409
    assert api_for(world.staff["other_technician"]).get(f"{REPORTS}{report.pk}/").status_code == 403


def test_the_morning_review_api(world, api_for):
    with time_machine.travel(TUESDAY_9.replace(day=9, hour=10), tick=False):
        case = world.register(category="household_repair", content="阳台下水管漏水")
    boss = api_for(world.supervisor)
    with time_machine.travel(TUESDAY_9, tick=False):
        answer = boss.get(REVIEW, {"estate": world.estate.pk})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert (body["period_start"], body["period_end"]) == ("2026-03-09", "2026-03-09")
        assert body["counts"]["registered"] == 1
        assert [c["number"] for c in body["unfinished"]] == [case.number]
        assert body["done"] is None
        done = boss.post(REVIEW, {"estate": world.estate.pk, "note": "已跟进"}, format="json")
        assert done.status_code == 201
        assert boss.get(REVIEW).json()["done"]["reviewed_by"]["name"] == world.supervisor.name
        assert boss.post(REVIEW, {"estate": world.estate.pk}, format="json").status_code == 400
    assert api_for(world.clerk).get(REVIEW).status_code == 403
    assert boss.get(REVIEW, {"estate": world.other_estate.pk}).status_code == 400
    assert boss.get(REVIEW, {"day": "2026-13-01"}).status_code == 400
