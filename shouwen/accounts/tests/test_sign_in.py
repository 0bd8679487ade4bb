"""Sign-in by username or staff number, lockout, sign-out and password change."""

from django.test import override_settings
from django.urls import reverse

from shouwen.core.testing import PASSWORD


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


@override_settings(SHOUWEN_LOCKOUT_FAILURES=3, SHOUWEN_LOCKOUT_MINUTES=15)
def test_repeated_failures_lock_the_account(client, world):
    for _ in range(2):
        page = _sign_in(client, "qiantai", "wrong").content.decode()
        assert "用户名/工号或密码不正确" in page
    page = _sign_in(client, "qiantai", "wrong").content.decode()
    assert "已锁定" in page
    # Even the right password is refused while locked.
    response = _sign_in(client, "qiantai", PASSWORD)
    assert response.status_code == 200
    assert "已锁定" in response.content.decode()


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
    assert client.get("/admin/").status_code == 302  # sent to the admin sign-in
    client.force_login(world.staff["admin"].user)
    assert client.get("/admin/").status_code == 200


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
