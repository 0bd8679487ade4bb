"""`shouwen token USERNAME` prints a staff member's API token."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def _token(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue().strip()


def test_token_is_created_and_then_reused(world):
    key = _token("qiantai")
    assert key == Token.objects.get(user=world.clerk.user).key
    assert _token("qiantai") == key


def test_token_by_staff_number(world):
    assert _token("lj003") == Token.objects.get(user=world.supervisor.user).key


def test_printed_token_authenticates(world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {_token('jishu')}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["staff_no"] == "LJ010"


def test_reset_replaces_the_token(world):
    old = _token("qiantai")
    new = _token("qiantai", "--reset")
    assert new != old
    assert not Token.objects.filter(key=old).exists()


def test_unknown_user_is_a_clear_error(world):
    with pytest.raises(CommandError, match="没有用户名或工号为“nobody”的账号"):
        _token("nobody")
    assert not Token.objects.exists()


def test_user_who_is_not_staff_gets_no_token(world):
    User.objects.create_user("visitor", password="x-Pass-2026")
    with pytest.raises(CommandError, match="不是在职员工"):
        _token("visitor")
