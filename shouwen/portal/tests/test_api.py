"""The portal API: scoped to the resident, Idempotency-Key on reporting, the same rules as the pages."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from rest_framework.test import APIClient

from shouwen.cases import services as case_services
from shouwen.cases.models import CaseStatus
from shouwen.portal.testing import resident_token, sign_in_resident

pytestmark = pytest.mark.django_db


def jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "leak.jpg"
    return buffer


@pytest.fixture
def owner_api(world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Resident {resident_token(world.residents['owner'])}")
    return api


def test_matters_are_scoped_to_the_resident(world, owner_api):
    mine = world.register()
    theirs = world.register(resident=world.residents["tenant"], unit=world.units["3-1-0801"])
    listed = owner_api.get("/api/portal/v1/matters/").json()
    assert [m["number"] for m in listed] == [mine.number]
    assert listed[0]["accountable"] == "王（工号 LJ001）"
    assert owner_api.get(f"/api/portal/v1/matters/{theirs.pk}/").status_code == 404
    for action, body in (
        ("information", {"text": "x"}),
        ("return-visit", {"satisfaction": "satisfied"}),
        ("cancel-request", {"reason": "x"}),
    ):
        assert (
            owner_api.post(f"/api/portal/v1/matters/{theirs.pk}/{action}/", body, format="json").status_code
            == 404
        )
    detail = owner_api.get(f"/api/portal/v1/matters/{mine.pk}/").json()
    assert detail["history"][0]["title"].startswith("已受理")


def test_report_with_photo_and_idempotency_key(world, owner_api):
    body = {
        "category": "household_repair",
        "content": "厨房水管漏水",
        "unit": world.units["3-2-1502"].pk,
        "photos": [jpeg()],
    }
    first = owner_api.post("/api/portal/v1/matters/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201, first.content
    body["photos"] = [jpeg()]
    again = owner_api.post("/api/portal/v1/matters/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = {"category": "complaint", "content": "别的事"}
    assert (
        owner_api.post(
            "/api/portal/v1/matters/", other, format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
        ).status_code
        == 409
    )
    case = world.residents["owner"].cases.get()
    assert case.origin.channel == "web" and case.attachments.count() == 1


def test_report_refuses_bad_input_with_field_messages(world, owner_api):
    response = owner_api.post(
        "/api/portal/v1/matters/",
        {"category": "household_repair", "content": " ", "unit": world.units["other-1-101"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert "unit" in response.json() or "content" in response.json()
    fake = io.BytesIO(b"<?php echo 1; ?>")
    fake.name = "x.jpg"
    bad = owner_api.post(
        "/api/portal/v1/matters/",
        {"category": "complaint", "content": "噪音", "photos": [fake]},
        format="multipart",
    )
    assert bad.status_code == 400 and "photos" in bad.json()
    assert not world.residents["owner"].cases.exists()


def test_information_visit_and_cancel(world, owner_api):
    case = world.register()
    assert (
        owner_api.post(
            f"/api/portal/v1/matters/{case.pk}/information/", {"text": "门口有狗"}, format="json"
        ).status_code
        == 200
    )
    answer = owner_api.post(
        f"/api/portal/v1/matters/{case.pk}/cancel-request/", {"reason": "不需要了"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["cancel_pending"] is True
    assert (
        owner_api.post(
            f"/api/portal/v1/matters/{case.pk}/return-visit/", {"satisfaction": "satisfied"}, format="json"
        ).status_code
        == 400
    )
    second = world.register(content="路灯不亮")
    case_services.resolve_case(world.clerk, second, resolution="已更换灯泡")
    done = owner_api.post(
        f"/api/portal/v1/matters/{second.pk}/return-visit/", {"satisfaction": "satisfied"}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == CaseStatus.CLOSED


def test_page_session_works_with_csrf(world, client):
    sign_in_resident(client, world.residents["owner"])
    assert client.get("/api/portal/v1/me/").status_code == 200
    api = APIClient(enforce_csrf_checks=True)
    api.cookies = client.cookies
    assert api.post("/api/portal/v1/auth/sign-out/").status_code == 403  # no CSRF token


def test_anonymous_and_staff_are_refused(world, api_for):
    case = world.register()
    for client in (APIClient(), api_for(world.clerk)):
        assert client.get("/api/portal/v1/matters/").status_code in (401, 403)
        assert client.get(f"/api/portal/v1/matters/{case.pk}/").status_code in (401, 403)
        assert client.post(
            "/api/portal/v1/matters/", {"category": "complaint", "content": "x"}, format="json"
        ).status_code in (401, 403)
