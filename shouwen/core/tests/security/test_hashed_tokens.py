"""Issue: API tokens were stored in plain text, and the admin listed every one of them.

Now tokens are django-rest-knox tokens: the database keeps a SHA-512 digest and the first
characters only; each token expires; its owner lists and revokes tokens on 接口令牌 and sees a
new one once; the admin shows owners, prefixes and dates, never a token.
"""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import import_module
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from shouwen.accounts.models import ApiToken
from shouwen.accounts.tokens import issue_token


def _api(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def _all_text_in_the_database() -> str:
    """Every text column of every table, as one string (what a stolen backup would hold)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                chunks += [str(v) for v in row if isinstance(v, str)]
    return "\n".join(chunks)


def test_the_database_holds_no_usable_token(world):
    out = StringIO()
    call_command("token", "qiantai", stdout=out)
    printed = out.getvalue().strip()
    _row, made_on_page = issue_token(world.supervisor.user, name="ERP")
    stored = _all_text_in_the_database()
    for token in (printed, made_on_page):
        assert token not in stored
        assert token[:8] in stored  # only the prefix, for telling tokens apart
    row = ApiToken.objects.get(user=world.clerk.user)
    assert len(row.digest) == 128 and row.digest != printed
    # What the database holds does not authenticate.
    assert _api(row.digest).get("/api/v1/me/").status_code == 401
    assert _api(row.token_key).get("/api/v1/me/").status_code == 401
    assert _api(printed).get("/api/v1/me/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_the_old_plain_text_tokens():
    migration = import_module("shouwen.accounts.migrations.0003_api_tokens")
    with connection.cursor() as cursor:  # what DRF's authtoken app left in a database before this release
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created varchar(40), user_id integer)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES ('9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b', 'x', 1)"
        )
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('authtoken', '0001_initial', %s)",
            [timezone.now()],
        )
    with connection.schema_editor() as editor:
        migration.drop_plain_text_tokens(None, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone()[0] == 0


def test_a_token_expires(world, settings):
    settings.SHOUWEN_TOKEN_DAYS = 90
    row, token = issue_token(world.clerk.user)
    assert timedelta(days=89, hours=23) < row.expiry - timezone.now() <= timedelta(days=90)
    assert _api(token).get("/api/v1/me/").status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    response = _api(token).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == "令牌无效、已过期或已被撤销。"
    assert ApiToken.objects.filter(pk=row.pk).exists()  # kept, listed as expired


def test_the_staff_page_makes_a_token_once_lists_it_and_revokes_it(world, client_for):
    client = client_for(world.clerk)
    home = client.get("/").content.decode()
    assert reverse("accounts:tokens") in home  # in the header menu

    response = client.post(reverse("accounts:tokens"), {"name": "前台平板"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = re.search(r'id="new-token-value">([0-9a-f]{64})<', response.content.decode()).group(1)
    api = _api(token)
    assert api.get("/api/v1/me/").status_code == 200

    listing = client.get(reverse("accounts:tokens")).content.decode()
    assert token not in listing  # shown once, never again
    assert f"{token[:8]}…" in listing and "前台平板" in listing and "有效" in listing
    row = ApiToken.objects.get(user=world.clerk.user)
    assert row.last_used_at is not None and row.expiry is not None

    response = client.post(reverse("accounts:token_revoke", args=[row.pk]))
    assert response.status_code == 302
    assert api.get("/api/v1/me/").status_code == 401
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == world.clerk.user
    assert "已于" in client.get(reverse("accounts:tokens")).content.decode()


def test_nobody_revokes_or_sees_another_persons_tokens(world, client_for):
    row, token = issue_token(world.supervisor.user, name="主管的同步脚本")
    client = client_for(world.clerk)
    assert client.post(reverse("accounts:token_revoke", args=[row.pk])).status_code == 404
    assert "主管的同步脚本" not in client.get(reverse("accounts:tokens")).content.decode()
    assert _api(token).get("/api/v1/me/").status_code == 200


def test_the_admin_shows_no_token(world, client):
    _row, token = issue_token(world.clerk.user, name="ERP")
    admin = world.staff["admin"].user
    client.force_login(admin)
    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    page = listing.content.decode()
    row = ApiToken.objects.get(user=world.clerk.user)
    assert token not in page and row.digest not in page
    assert f"{token[:8]}…" in page
    detail = client.get(f"/admin/accounts/apitoken/{row.pk}/change/").content.decode()
    assert token not in detail and row.digest not in detail
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403  # made by their owner only
    assert client.get("/admin/knox/authtoken/").status_code == 404  # knox's own model is not in the admin
    # The administrator can revoke, which keeps the row.
    response = client.post(
        "/admin/accounts/apitoken/", {"action": "revoke_selected", "_selected_action": [row.pk]}, follow=True
    )
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.revoked_by == admin and _api(token).get("/api/v1/me/").status_code == 401
