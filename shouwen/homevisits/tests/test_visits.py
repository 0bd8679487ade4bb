"""Recording home visits, opinions into cases, areas and coverage: services, pages and API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from shouwen.cases.models import Case
from shouwen.directory.models import Building
from shouwen.homevisits import services
from shouwen.homevisits.models import HomeVisit, Outcome


def _visit(world, **fields):
    now = timezone.now()
    data = {
        "unit": world.units["3-2-1502"],
        "phoned_at": now - timedelta(hours=2),
        "visited_at": now - timedelta(minutes=5),
        "outcome": Outcome.VISITED,
        **fields,
    }
    return services.record_visit(world.staff["cs_assistant"], **data)


def test_entering_a_home_takes_two_staff(world):
    with pytest.raises(ValidationError) as err:
        _visit(world, entered_home=True)
    assert "companion" in err.value.message_dict
    visit = _visit(world, entered_home=True, companion=world.staff["front_desk"])
    assert visit.companion == world.staff["front_desk"]
    assert visit.resident == world.residents["owner"]


def test_a_visit_is_arranged_by_phone_first(world):
    with pytest.raises(ValidationError) as err:
        _visit(world, phoned_at=None)
    assert "phoned_at" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        _visit(world, phoned_at=timezone.now())
    assert "phoned_at" in err.value.message_dict


def test_nobody_home_records_the_time_and_a_note(world):
    with pytest.raises(ValidationError) as err:
        _visit(world, outcome=Outcome.NOBODY_HOME, phoned_at=None)
    assert "note_left" in err.value.message_dict
    visit = _visit(world, outcome=Outcome.NOBODY_HOME, phoned_at=None, note_left=True)
    assert visit.note_left and visit.visited_at


def test_an_opinion_becomes_a_case_through_the_intake_linked_from_the_visit(world):
    visit = _visit(world, opinions="3栋门口路灯不亮，晚上回家不方便")
    case = services.open_case_from_visit(world.staff["cs_assistant"], visit, "public_repair")
    visit.refresh_from_db()
    assert visit.case == case
    assert case.origin.channel == services.VISIT_CHANNEL
    assert case.accountable == world.staff["cs_assistant"]
    assert "路灯" in case.origin.content and case.unit == world.units["3-2-1502"]
    with pytest.raises(ValidationError):
        services.open_case_from_visit(world.staff["cs_assistant"], visit, "public_repair")


def test_staff_without_the_capability_or_estate_cannot_record(world):
    with pytest.raises(PermissionDenied):
        services.record_visit(
            world.staff["technician"],
            unit=world.units["3-2-1502"],
            visited_at=timezone.now(),
            phoned_at=timezone.now(),
            outcome=Outcome.VISITED,
        )
    with pytest.raises(PermissionDenied):
        _visit(world, unit=world.units["other-1-101"])


def test_a_building_belongs_to_one_area(world, area):
    with pytest.raises(ValidationError) as err:
        services.set_area(
            world.staff["cs_supervisor"],
            estate=world.estate,
            assistant=world.staff["front_desk"],
            buildings=[Building.objects.get(estate=world.estate, code="3")],
        )
    assert "buildings" in err.value.message_dict or "assistant" in err.value.message_dict


def test_coverage_counts_households_visited_in_the_last_year(world, area):
    _visit(world)
    old = _visit(world, unit=world.units["3-1-0801"])
    HomeVisit.objects.filter(pk=old.pk).update(visited_at=timezone.now() - timedelta(days=400))
    result = services.coverage([world.estate.pk])
    row = result.areas[0]
    assert (row.occupied, row.visited, row.never) == (2, 1, 0)
    assert row.percent == 50
    estate = result.estates[0]
    assert (estate.occupied, estate.visited, estate.unassigned) == (2, 1, 0)


def test_assistant_records_a_visit_on_the_page_and_the_opinion_becomes_a_case(world, area, client_for):
    client = client_for(world.staff["cs_assistant"])
    page = client.get(reverse("homevisits:today"))
    assert page.status_code == 200
    assert "3栋2单元1502" in page.content.decode() or "3栋1单元0801" in page.content.decode()
    now = timezone.localtime()
    response = client.post(
        reverse("homevisits:record"),
        {
            "unit": world.units["3-2-1502"].pk,
            "phoned_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "visited_at": (now - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
            "outcome": "visited",
            "entered_home": "on",
            "companion": world.staff["front_desk"].pk,
            "opinions": "厨房水管滴水",
            "case_category": "household_repair",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = HomeVisit.objects.get()
    assert visit.case is not None and visit.case.category == "household_repair"
    detail = client.get(reverse("homevisits:detail", args=[visit.pk]))
    assert visit.case.number in detail.content.decode()


def test_supervisor_sees_coverage_and_the_assistant_does_not(world, area, client_for):
    assert client_for(world.staff["cs_supervisor"]).get(reverse("homevisits:coverage")).status_code == 200
    assert client_for(world.staff["cs_assistant"]).get(reverse("homevisits:coverage")).status_code == 403


def test_the_api_gives_the_plan_records_a_visit_and_opens_a_case(world, area, client_for):
    client = client_for(world.staff["cs_assistant"])
    plan = client.get("/api/v1/home-visits/plan/")
    assert plan.status_code == 200
    now = timezone.now()
    created = client.post(
        "/api/v1/home-visits/",
        {
            "unit": world.units["3-1-0801"].pk,
            "phoned_at": (now - timedelta(hours=1)).isoformat(),
            "visited_at": (now - timedelta(minutes=1)).isoformat(),
            "outcome": "visited",
            "opinions": "希望增加快递柜",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    opened = client.post(
        f"/api/v1/home-visits/{pk}/case/", {"category": "suggestion"}, content_type="application/json"
    )
    assert opened.status_code == 200, opened.json()
    assert opened.json()["case"] == Case.objects.get().number
    refused = client.post(
        "/api/v1/home-visits/",
        {
            "unit": world.units["3-1-0801"].pk,
            "visited_at": now.isoformat(),
            "outcome": "visited",
            "entered_home": True,
        },
        content_type="application/json",
    )
    assert refused.status_code == 400 and "companion" in refused.json()
    assert client.get("/api/v1/home-visits/coverage/").status_code == 403
    coverage = client_for(world.staff["cs_supervisor"]).get("/api/v1/home-visits/coverage/")
    assert coverage.status_code == 200 and coverage.json()["areas"][0]["visited"] == 1
