"""The survey API under /api/v1/surveys/: the same rules and the same hand count as the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from shouwen.surveys.models import Answer, SurveyResponse
from shouwen.surveys.tests.conftest import answers
from shouwen.surveys.tests.test_results import fill_in


def api(staff):
    client = APIClient()
    client.force_authenticate(staff.user)
    return client


def test_results_by_api_match_the_hand_count(world, sw):
    fill_in(world, sw)
    data = api(world.staff["cs_supervisor"]).get(f"/api/v1/surveys/rounds/{sw.round.pk}/results/").json()
    assert (data["households"], data["responded"], data["response_rate"]) == (6, 4, "66.7")
    engineering = next(s for s in data["services"] if s["service"] == "engineering")
    assert engineering["counts"]["satisfied"] == 2 and engineering["satisfaction"] == "75.0"
    listed = api(world.staff["front_desk"]).get("/api/v1/surveys/rounds/").json()
    rows = listed.get("results", listed)
    assert {r["id"] for r in rows} == {sw.round.pk}  # 翠湖苑's round is not the clerk's
    assert rows[0]["households"] == 6 and rows[0]["responded"] == 4


def test_results_are_for_report_readers_only(world, sw):
    assert (
        api(world.staff["front_desk"]).get(f"/api/v1/surveys/rounds/{sw.round.pk}/results/").status_code
        == 403
    )
    assert api(world.staff["technician"]).get("/api/v1/surveys/rounds/").status_code == 403


def test_paper_forms_by_api_count_once(world, sw):
    client = api(world.staff["cs_assistant"])
    body = {
        "unit": sw.units["5-1-0103"].pk,
        "answers": [
            {"question": sw.question("service"), "rating": "satisfied"},
            {"question": sw.question("comment"), "text": "车位不够"},
        ],
    }
    url = f"/api/v1/surveys/rounds/{sw.round.pk}/responses/"
    first = client.post(url, body, format="json")
    assert first.status_code == 201 and first.json()["entered_by"]["staff_no"] == "LJ002"
    again = client.post(url, body, format="json")
    assert again.status_code == 400 and "每户只计一份" in str(again.json())
    empty = client.post(url, {**body, "unit": sw.units["5-1-0105"].pk}, format="json")
    assert empty.status_code == 400
    assert SurveyResponse.objects.count() == 1


def test_a_comment_becomes_a_case_by_api_once(world, sw):
    from shouwen.surveys import services

    services.submit_response(sw.household("5-1-0101"), answers(sw, comment="垃圾桶太少"), channel="sms_link")
    comment = Answer.objects.get(question_id=sw.question("comment"))
    client = api(world.staff["front_desk"])
    listed = client.get("/api/v1/surveys/answers/", {"round": sw.round.pk, "kind": "comment"}).json()
    assert [c["text"] for c in listed.get("results", listed)] == ["垃圾桶太少"]
    done = client.post(
        f"/api/v1/surveys/answers/{comment.pk}/case/", {"category": "suggestion"}, format="json"
    )
    assert done.status_code == 200 and done.json()["case"]
    twice = client.post(
        f"/api/v1/surveys/answers/{comment.pk}/case/", {"category": "suggestion"}, format="json"
    )
    assert twice.status_code == 400
    comment.refresh_from_db()
    assert done.json()["case"] == comment.case.number


def test_supervisors_write_questionnaires_and_start_rounds_by_api(world, sw):
    client = api(world.staff["cs_supervisor"])
    revised = client.post(
        f"/api/v1/surveys/questionnaires/{sw.questionnaire.pk}/revise/",
        {
            "title": "业主意见征询表",
            "questions": [{"kind": "rating", "service": "greening", "text": "绿化满意吗？"}],
        },
        format="json",
    )
    assert revised.status_code == 201 and revised.json()["version"] == 2  # the first version is in use
    today = timezone.localdate()
    started = client.post(
        "/api/v1/surveys/rounds/",
        {
            "questionnaire": revised.json()["id"],
            "estates": [world.estate.pk],
            "title": "补充征询",
            "opens_on": today.isoformat(),
            "closes_on": (today + timedelta(days=5)).isoformat(),
            "send_sms": False,
        },
        format="json",
    )
    assert started.status_code == 201 and started.json()[0]["households"] == 6
    foreign = client.post(
        "/api/v1/surveys/rounds/",
        {
            "questionnaire": revised.json()["id"],
            "estates": [world.other_estate.pk],
            "title": "x",
            "opens_on": today.isoformat(),
            "closes_on": today.isoformat(),
        },
        format="json",
    )
    assert foreign.status_code == 400  # 翠湖苑 is not the supervisor's estate
    assert (
        api(world.staff["front_desk"]).post("/api/v1/surveys/questionnaires/", {}, format="json").status_code
        == 403
    )


@pytest.mark.parametrize(
    "path", ["/api/v1/surveys/rounds/", "/api/v1/surveys/answers/", "/api/v1/surveys/questionnaires/"]
)
def test_anonymous_callers_are_refused(path, sw):
    assert APIClient().get(path).status_code in (401, 403)
