"""Sign-in by username or staff number, the throttle's wait, sign-out, password change, the admin's door."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.test import override_settings
from django.urls import reverse

from shouwen.accounts.models import SignInThrottle
from shouwen.core.testing import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _sign_in(client, login, password):
    return client.post(reverse("accounts:login"), {"username": login, "password": password})


def test_sign_in_page_is_chinese_by_default(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "员工登录" in page
    assert 'lang="zh-hans"' in page


def test_pages_require_sign_in(client, world):
    response = client.get(reverse("directory:resident_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_sign_in_with_username_or_staff_number(client, world):
    assert _sign_in(client, "qiantai", PASSWORD).status_code == 302
    client.logout()
    assert _sign_in(client, "lj001", PASSWORD).status_code == 302  # staff number, any case
    assert client.get(reverse("core:home")).status_code == 200


def test_passwords_are_hashed_with_argon2(world):
    from django.conf import settings as live
    from django.contrib.auth.hashers import make_password

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        assert make_password("x").startswith("argon2$")
    from shouwen import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert live.PASSWORD_HASHERS  # the test run itself uses a fast hasher


@override_settings(SHOUWEN_SIGNIN_ACCOUNT_FREE_FAILURES=3)
def test_repeated_failures_make_the_next_attempt_wait_even_with_the_right_password(client, world):
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), tick=False) as clock:
        for _ in range(3):
            page = _sign_in(client, "qiantai", "wrong").content.decode()
            assert "用户名/工号或密码不正确" in page
        page = _sign_in(client, "qiantai", "wrong").content.decode()
        assert "用户名/工号或密码不正确" in page  # the fourth is checked, and the next one must wait 2 s
        response = _sign_in(client, "qiantai", PASSWORD)
        assert response.status_code == 200
        assert "登录尝试过于频繁，请在 09:00:02 之后（约 2 秒后）再试" in response.content.decode()
        clock.shift(timedelta(seconds=2))
        assert _sign_in(client, "qiantai", PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_accounts_count(client, world):
    for _ in range(4):
        _sign_in(client, "qiantai", "wrong")
    assert _sign_in(client, "qiantai", PASSWORD).status_code == 302
    row = SignInThrottle.objects.get(scope="account", key=f"user:{world.clerk.user.pk}")
    assert row.failures == 0 and row.wait_until is None


def test_the_wait_is_told_in_english_after_the_switch(client, world):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with (
        override_settings(SHOUWEN_SIGNIN_ACCOUNT_FREE_FAILURES=1),
        time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), tick=False),
    ):
        _sign_in(client, "qiantai", "wrong")
        page = _sign_in(client, "qiantai", "wrong").content.decode()
        assert "Incorrect username/staff number or password" in page
        page = _sign_in(client, "qiantai", PASSWORD).content.decode()
    assert "Too many sign-in attempts; please try again after 09:00:02 (in about 2 seconds)." in page


def test_sign_out_needs_post_and_ends_the_session(client, world):
    _sign_in(client, "qiantai", PASSWORD)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 302


def test_password_change(client, world):
    _sign_in(client, "qiantai", PASSWORD)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Xin-mima-2027!", "new_password2": "Xin-mima-2027!"},
    )
    assert response.status_code == 302
    client.logout()
    assert _sign_in(client, "qiantai", "Xin-mima-2027!").status_code == 302


def test_admin_site_is_for_administrators_only(client, world):
    client.force_login(world.supervisor.user)
    response = client.get("/admin/")
    assert response.status_code == 302  # sent to the admin's sign-in, which only says "not for you"
    denied = client.get(response["Location"])
    assert denied.status_code == 403
    assert "没有系统管理权限" in denied.content.decode()
    client.force_login(world.staff["admin"].user)
    assert client.get("/admin/").status_code == 200


def test_the_admin_sign_in_sends_everyone_to_the_one_sign_in_page(client, world):
    client.logout()
    response = client.get("/admin/login/?next=/admin/core/throttlerate/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    response = client.post(
        reverse("accounts:login") + "?next=/admin/", {"username": "admin", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    # Signed in, the admin's sign-in page forwards to where it was asked to go, and only there.
    assert (
        client.get("/admin/login/?next=/admin/core/throttlerate/")["Location"] == "/admin/core/throttlerate/"
    )
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == "/admin/"


def test_health_check_answers_when_the_database_does(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_every_page_has_an_english_switch(client, world):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'name="language" value="en"' in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("accounts:login")})
    assert response.status_code == 302
    english = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="en"' in english
    assert "员工登录" not in english
    assert "Password" in english


def test_an_english_browser_still_gets_chinese_until_the_user_switches(client, db):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "员工登录" in page


@override_settings(SHOUWEN_SIGNIN_ACCOUNT_FREE_FAILURES=2)
def test_guessing_the_old_password_on_the_change_page_counts_like_a_sign_in(client, world):
    client.force_login(world.clerk.user)
    url = reverse("accounts:password_change")
    new = {"new_password1": "Xin-mima-2027!", "new_password2": "Xin-mima-2027!"}
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        for _ in range(3):
            page = client.post(url, {"old_password": "guess", **new}).content.decode()
            assert "你的旧密码不正确" in page
        page = client.post(url, {"old_password": PASSWORD, **new}).content.decode()
        assert "登录尝试过于频繁" in page
    row = SignInThrottle.objects.get(scope="account", key=f"user:{world.clerk.user.pk}")
    assert (row.failures, row.refused) == (3, 1)
