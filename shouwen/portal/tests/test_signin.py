"""Signing residents in: codes by text message, their limits, the receipt's link, separation from staff."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from shouwen.core.sms import LogSmsBackend
from shouwen.portal import auth, signin
from shouwen.portal.models import SignInCode
from shouwen.portal.testing import sign_in_resident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_sms():
    LogSmsBackend.sent.clear()
    yield
    LogSmsBackend.sent.clear()


def last_code(phone: str) -> str:
    texts = [text for to, text in LogSmsBackend.sent if to == phone]
    assert texts, "no text message went out"
    match = re.search(r"\d{6}", texts[-1])
    assert match
    return match.group(0)


def test_code_signs_in_the_resident(world, client):
    response = client.post("/r/sign-in/", {"phone": "138 1234 5678"})
    assert response.status_code == 200
    assert "138****5678" in response.content.decode()
    code = last_code("13812345678")
    stored = SignInCode.objects.get()
    assert code not in stored.code_hash and stored.code_hash == signin.code_digest("13812345678", code)
    response = client.post("/r/sign-in/code/", {"phone": "13812345678", "code": code})
    assert response.status_code == 302 and response["Location"] == "/r/"
    page = client.get("/r/")
    assert page.status_code == 200
    assert "张伟" in page.content.decode()
    # A code is good once.
    client.post("/r/sign-out/")
    again = client.post("/r/sign-in/code/", {"phone": "13812345678", "code": code})
    assert again.status_code == 400


def test_unknown_number_gets_the_same_answer_and_no_message(world, client):
    known = client.post("/r/sign-in/", {"phone": "13812345678"}).content.decode()
    unknown = client.post("/r/sign-in/", {"phone": "13912345670"}).content.decode()
    assert [to for to, _text in LogSmsBackend.sent] == ["13812345678"]

    def body(html: str) -> str:
        return re.sub(r"1\d{2}\*{4}\d{4}|value=\"\d+\"|csrfmiddlewaretoken\" value=\"[^\"]+\"", "", html)

    assert body(known) == body(unknown)
    # Whatever is typed for the unknown number fails like a wrong code.
    wrong = client.post("/r/sign-in/code/", {"phone": "13912345670", "code": "123456"})
    assert wrong.status_code == 400
    assert "验证码不正确或已过期" in wrong.content.decode()


def test_code_expires(world, client):
    client.post("/r/sign-in/", {"phone": "13812345678"})
    code = last_code("13812345678")
    SignInCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post("/r/sign-in/code/", {"phone": "13812345678", "code": code}).status_code == 400
    assert auth.SESSION_KEY not in client.session


def test_code_has_limited_attempts(world, client, settings):
    settings.SHOUWEN_PORTAL_CODE_ATTEMPTS = 3
    client.post("/r/sign-in/", {"phone": "13812345678"})
    code = last_code("13812345678")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert client.post("/r/sign-in/code/", {"phone": "13812345678", "code": wrong}).status_code == 400
    # The right code no longer works once the tries are used up.
    assert client.post("/r/sign-in/code/", {"phone": "13812345678", "code": code}).status_code == 400


def test_asking_again_is_throttled_per_phone_and_per_address(world, client, settings):
    settings.SHOUWEN_PORTAL_CODE_GAP_SECONDS = 60
    assert client.post("/r/sign-in/", {"phone": "13812345678"}).status_code == 200
    again = client.post("/r/sign-in/", {"phone": "13812345678"})
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    assert len(LogSmsBackend.sent) == 1
    settings.SHOUWEN_PORTAL_CODE_GAP_SECONDS = 0
    settings.SHOUWEN_PORTAL_CODES_PER_PHONE = 2
    assert client.post("/r/sign-in/", {"phone": "13812345678"}).status_code == 200
    assert client.post("/r/sign-in/", {"phone": "13812345678"}).status_code == 429
    settings.SHOUWEN_PORTAL_CODES_PER_ADDRESS = 3
    assert client.post("/r/sign-in/", {"phone": "13900001111"}).status_code == 200
    # The fourth code from this address, whatever the number, is refused.
    assert client.post("/r/sign-in/", {"phone": "13700002222"}).status_code == 429


def test_wrong_codes_are_throttled_per_address(world, client, settings):
    settings.SHOUWEN_PORTAL_FAILURES_PER_ADDRESS = 2
    for phone in ("13812345678", "13900001111"):
        client.post("/r/sign-in/code/", {"phone": phone, "code": "123456"})
    client.post("/r/sign-in/", {"phone": "13700002222"})
    code = last_code("13700002222")
    refused = client.post("/r/sign-in/code/", {"phone": "13700002222", "code": code})
    assert refused.status_code == 429


def test_bad_phone_is_a_clear_message(world, client):
    response = client.post("/r/sign-in/", {"phone": "12345"})
    assert response.status_code == 400
    assert "11 位手机号码" in response.content.decode()


def test_portal_pages_refuse_the_anonymous_and_staff(world, client, client_for):
    assert client.get("/r/").status_code == 302
    assert client.get("/r/")["Location"].startswith("/r/sign-in/")
    staff_client = client_for(world.clerk)
    assert staff_client.get("/r/")["Location"].startswith("/r/sign-in/")


def test_resident_session_is_no_staff_session(world, client):
    sign_in_resident(client, world.residents["owner"])
    assert client.get("/r/").status_code == 200
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/cases/").status_code in (401, 403)


def test_resident_sign_in_ends_a_staff_session(world, client_for):
    staff_client = client_for(world.clerk)
    assert staff_client.get("/cases/").status_code == 200
    staff_client.post("/r/sign-in/", {"phone": "13812345678"})
    code = last_code("13812345678")
    staff_client.post("/r/sign-in/code/", {"phone": "13812345678", "code": code})
    assert staff_client.get("/r/").status_code == 200
    assert staff_client.get("/cases/").status_code == 302


def test_staff_sign_in_drops_the_resident(world, client):
    from shouwen.core.testing import PASSWORD

    sign_in_resident(client, world.residents["owner"])
    client.post("/accounts/login/", {"username": "qiantai", "password": PASSWORD})
    assert client.get("/cases/").status_code == 200
    assert client.get("/r/").status_code == 302
    assert auth.SESSION_KEY not in client.session


def test_receipt_link_opens_that_case_only(world, client):
    from shouwen.cases.receipt import receipt_text

    case = world.register()
    other = world.register(content="楼道灯不亮")
    text = receipt_text(case)
    path = re.search(r"/r/l/[^ \s]+/", text)
    assert path, text
    response = client.get(path.group(0))
    assert response.status_code == 302 and response["Location"] == f"/r/matters/{case.pk}/"
    assert client.get(f"/r/matters/{case.pk}/").status_code == 200
    # The link opens this one case, not the resident's other matters nor the list.
    assert client.get(f"/r/matters/{other.pk}/").status_code == 404
    assert client.get("/r/").status_code == 302


def test_forged_or_expired_link_is_refused(world, client, settings):
    case = world.register()
    token = signin.link_token(case.pk, world.residents["owner"].pk)
    assert client.get(f"/r/l/{token[:-2]}xx/").status_code == 400
    forged = signin.link_token(case.pk, world.residents["tenant"].pk)
    assert client.get(f"/r/l/{forged}/").status_code == 400
    settings.SHOUWEN_PORTAL_LINK_DAYS = 1
    later = timezone.now() + timedelta(days=2)
    from unittest import mock

    with mock.patch("time.time", return_value=later.timestamp()):
        assert client.get(f"/r/l/{token}/").status_code == 400


def test_several_households_choose_one(world, client):
    from shouwen.directory.services import create_resident

    second = create_resident(
        estate=world.other_estate,
        name="张伟",
        phones=["13812345678"],
        units=[(world.units["other-1-101"], "tenant")],
    )
    client.post("/r/sign-in/", {"phone": "13812345678"})
    response = client.post("/r/sign-in/code/", {"phone": "13812345678", "code": last_code("13812345678")})
    assert response["Location"] == "/r/sign-in/choose/"
    page = client.get("/r/sign-in/choose/").content.decode()
    assert "翠湖苑" in page and "丽景园" in page
    client.post("/r/sign-in/choose/", {"resident": str(world.residents["tenant"].pk)})  # not offered
    assert auth.SESSION_KEY not in client.session
    client.post("/r/sign-in/choose/", {"resident": str(second.pk)})
    assert client.session[auth.SESSION_KEY] == second.pk


def test_api_code_and_token(world):
    from rest_framework.test import APIClient

    api = APIClient()
    assert api.post("/api/portal/v1/auth/code/", {"phone": "13812345678"}, format="json").status_code == 202
    assert api.post("/api/portal/v1/auth/code/", {"phone": "13912345670"}, format="json").status_code == 202
    code = last_code("13812345678")
    bad = api.post("/api/portal/v1/auth/token/", {"phone": "13812345678", "code": "x"}, format="json")
    assert bad.status_code == 400
    ok = api.post("/api/portal/v1/auth/token/", {"phone": "13812345678", "code": code}, format="json")
    assert ok.status_code == 201, ok.content
    token = ok.json()["token"]
    assert api.get("/api/portal/v1/me/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Resident {token}")
    me = api.get("/api/portal/v1/me/")
    assert me.status_code == 200 and me.json()["name"] == "张伟"
    assert me.json()["units"][0]["label"]
    # A resident token is no staff token.
    assert api.get("/api/v1/cases/").status_code == 401
    assert api.post("/api/portal/v1/auth/sign-out/").status_code == 204
    assert api.get("/api/portal/v1/me/").status_code == 401


def test_staff_token_is_refused_by_the_portal_api(world, api_for):
    assert api_for(world.clerk).get("/api/portal/v1/me/").status_code in (401, 403)
