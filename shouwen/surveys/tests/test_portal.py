"""The open surveys on the residents' portal: pages and API, one form per household, no other household's."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from shouwen.portal.testing import resident_token, sign_in_resident
from shouwen.surveys import services
from shouwen.surveys.models import ResponseChannel, SurveyResponse
from shouwen.surveys.tests.conftest import answers


def test_a_resident_answers_the_open_survey_on_the_portal_once(client, world, sw):
    owner = world.residents["owner"]
    sign_in_resident(client, owner)
    listing = client.get(reverse("survey_portal:list"))
    household = sw.household("3-2-1502")
    assert listing.status_code == 200 and f'id="survey-{household.pk}"' in listing.content.decode()
    url = reverse("survey_portal:answer", args=[household.pk])
    assert client.get(url).status_code == 200
    done = client.post(url, {f"q{sw.question('service')}": "very_satisfied"})
    assert 'id="thanks"' in done.content.decode()
    response = SurveyResponse.objects.get(household=household)
    assert response.channel == ResponseChannel.PORTAL and response.resident == owner
    assert 'id="already"' in client.post(url, {f"q{sw.question('service')}": "fair"}).content.decode()
    assert SurveyResponse.objects.count() == 1


def test_a_resident_never_opens_another_households_form(client, world, sw):
    sign_in_resident(client, world.residents["owner"])
    other = sw.household("3-1-0801")  # 李娜's flat
    assert client.get(reverse("survey_portal:answer", args=[other.pk])).status_code == 404
    assert client.post(reverse("survey_portal:answer", args=[other.pk]), {}).status_code == 404
    anonymous = APIClient().get(reverse("survey_portal:list"))
    assert anonymous.status_code == 302


def test_the_portal_api_lists_and_answers_my_households_survey(world, sw):
    owner = world.residents["owner"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Resident {resident_token(owner)}")
    listed = api.get("/api/portal/v1/surveys/").json()
    household = sw.household("3-2-1502")
    assert [row["household"] for row in listed] == [household.pk]
    assert {q["service"] for q in listed[0]["questions"]} == {"service", "engineering", "environment", ""}
    body = {"answers": [{"question": sw.question("engineering"), "rating": "satisfied"}]}
    first = api.post(f"/api/portal/v1/surveys/{household.pk}/", body, format="json")
    assert first.status_code == 201 and first.json()["answered_at"]
    again = api.post(f"/api/portal/v1/surveys/{household.pk}/", body, format="json")
    assert again.status_code == 400
    other = sw.household("3-1-0801")
    assert api.post(f"/api/portal/v1/surveys/{other.pk}/", body, format="json").status_code == 404
    assert APIClient().get("/api/portal/v1/surveys/").status_code in (401, 403)
    assert services.round_results(sw.round).responded == 1


def test_a_household_that_answered_by_link_sees_it_on_the_portal(client, world, sw):
    services.submit_response(
        sw.household("3-2-1502"), answers(sw, service="fair"), channel=ResponseChannel.SMS_LINK
    )
    sign_in_resident(client, world.residents["owner"])
    page = client.get(reverse("survey_portal:answer", args=[sw.household("3-2-1502").pk]))
    assert 'id="already"' in page.content.decode()
