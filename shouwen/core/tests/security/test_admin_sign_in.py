"""Issue: the admin's own sign-in form skipped the throttle; eight wrong passwords, then the right one, made an administrator.

Now the admin has no password form: /admin/login/ sends everyone to the one sign-in page, where
every password goes through the same throttled check, and the admin lets in only the admin.site
capability.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth import SESSION_KEY, authenticate
from django.test import RequestFactory
from django.urls import reverse

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.accounts.models import SignInThrottle
from shouwen.core.testing import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")
ATTACKER = "198.51.100.23"


def _signed_in_user_id(client) -> str | None:
    return client.session.get(SESSION_KEY)


def _counter(scope: str, key: str) -> SignInThrottle:
    return SignInThrottle.objects.get(scope=scope, key=key)


def test_the_admin_sign_in_form_takes_no_password_from_a_signed_in_staff_member(client, world):
    client.force_login(world.clerk.user)
    for _ in range(8):
        response = client.post(
            "/admin/login/", {"username": "admin", "password": "guess"}, REMOTE_ADDR=ATTACKER
        )
        assert response.status_code == 403
    response = client.post("/admin/login/", {"username": "admin", "password": PASSWORD}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 403
    assert _signed_in_user_id(client) == str(world.clerk.user.pk)  # still the clerk, not the administrator
    assert client.get("/admin/").status_code == 302


def test_the_admin_sign_in_form_sends_strangers_to_the_one_sign_in_page(client, world):
    response = client.post("/admin/login/", {"username": "admin", "password": PASSWORD}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert _signed_in_user_id(client) is None


def test_eight_wrong_admin_passwords_then_the_right_one_do_not_open_the_admin(client, world):
    admin_user = world.staff["admin"].user
    login_url = reverse("accounts:login") + "?next=/admin/"
    with time_machine.travel(datetime(2026, 12, 1, 22, 0, tzinfo=SHANGHAI), tick=False) as clock:
        for _ in range(8):
            row = SignInThrottle.objects.filter(scope="account", key=f"user:{admin_user.pk}").first()
            if row is not None and row.wait_until:  # the attacker waits out each delay: all eight are checked
                clock.move_to(row.wait_until)
            page = client.post(login_url, {"username": "admin", "password": "guess"}, REMOTE_ADDR=ATTACKER)
            assert "用户名/工号或密码不正确" in page.content.decode()
        response = client.post(login_url, {"username": "admin", "password": PASSWORD}, REMOTE_ADDR=ATTACKER)
        assert response.status_code == 200
        assert "登录尝试过于频繁" in response.content.decode()
        assert _signed_in_user_id(client) is None
        assert client.get("/admin/").status_code == 302

        account = _counter("account", f"user:{admin_user.pk}")
        address = _counter("address", ATTACKER)
        assert (account.failures, account.refused) == (8, 1)  # every failure recorded, the refusal too
        assert (address.failures, address.refused) == (8, 1)
        assert account.last_ip == ATTACKER
        assert account.wait_until == account.last_failure_at + timedelta(seconds=8)  # 2^(8-5)

        # The real administrator is not locked out: once the delay has passed, the password works.
        clock.move_to(account.wait_until)
        response = client.post(
            login_url, {"username": "HQ000", "password": PASSWORD}, REMOTE_ADDR="203.0.113.5"
        )
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert _signed_in_user_id(client) == str(admin_user.pk)
        assert client.get("/admin/").status_code == 200


def test_every_password_check_is_counted_whoever_calls_it(world):
    """authenticate() is the one place passwords are checked: a form of any page counts the same."""
    request = RequestFactory().post("/anywhere/", REMOTE_ADDR=ATTACKER)
    assert authenticate(request, username="admin", password="guess") is None
    assert (
        authenticate(None, username="hq000", password="guess") is None
    )  # no request: the account still counts
    assert _counter("account", f"user:{world.staff['admin'].user.pk}").failures == 2
    assert _counter("address", ATTACKER).failures == 1


def test_staff_without_the_admin_capability_cannot_reach_the_admin(client, world):
    for code, staff in world.staff.items():
        if can(staff.user, Cap.ADMIN_SITE):
            continue
        # Even if someone ticked "staff status" on the account, the capability decides.
        staff.user.is_staff = True
        staff.user.save(update_fields=["is_staff"])
        client.force_login(staff.user)
        for path in ("/admin/", "/admin/accounts/signinthrottle/", "/admin/auth/user/add/"):
            response = client.get(path, follow=True)
            assert response.status_code == 403, (code, path)
            assert "没有系统管理权限" in response.content.decode()
    client.force_login(world.staff["admin"].user)
    assert client.get("/admin/accounts/signinthrottle/").status_code == 200
