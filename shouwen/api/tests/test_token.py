"""`shouwen token USERNAME` makes a new API token and prints it once (only its hash is stored)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from shouwen.accounts.models import ApiToken


def _token(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue().strip()


def _api(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_each_call_makes_a_new_token_and_keeps_the_others(world):
    first, second = _token("qiantai"), _token("qiantai")
    assert first != second
    assert ApiToken.objects.filter(user=world.clerk.user, revoked_at__isnull=True).count() == 2
    assert _api(first).get("/api/v1/me/").status_code == 200
    assert _api(second).get("/api/v1/me/").status_code == 200


def test_token_by_staff_number(world):
    _token("lj003")
    assert ApiToken.objects.get().user == world.supervisor.user


def test_printed_token_authenticates(world):
    response = _api(_token("jishu")).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["staff_no"] == "LJ010"


def test_reset_revokes_the_other_tokens(world):
    old = _token("qiantai")
    new = _token("qiantai", "--reset")
    assert _api(old).get("/api/v1/me/").status_code == 401
    assert _api(new).get("/api/v1/me/").status_code == 200
    revoked = ApiToken.objects.get(user=world.clerk.user, revoked_at__isnull=False)
    assert revoked.revoked_by is None  # from the command line: no signed-in actor


def test_name_and_days(world):
    _token("qiantai", "--name", "ERP 同步", "--days", "7")
    row = ApiToken.objects.get()
    assert row.name == "ERP 同步"
    assert timedelta(days=6, hours=23) < row.expiry - timezone.now() <= timedelta(days=7)
    with pytest.raises(CommandError, match="有效天数至少为 1"):
        _token("qiantai", "--days", "0")


def test_unknown_user_is_a_clear_error(world):
    with pytest.raises(CommandError, match="没有用户名或工号为“nobody”的账号"):
        _token("nobody")
    assert not ApiToken.objects.exists()


def test_user_who_is_not_staff_gets_no_token(world):
    User.objects.create_user("visitor", password="x-Pass-2026")
    with pytest.raises(CommandError, match="不是在职员工"):
        _token("visitor")
