"""Setting up an estate's mailbox in the admin: the password is typed, never shown back."""

from __future__ import annotations

import pytest

from shouwen.mailbox.models import Mailbox

pytestmark = pytest.mark.django_db

LIST = "/admin/mailbox/mailbox/"


def _form(world, **changes):
    data = {
        "estate": world.estate.pk,
        "address": "Desk@LJY.test",
        "imap_host": "imap.ljy.test",
        "imap_port": 993,
        "security": "ssl",
        "username": "desk@ljy.test",
        "password": "first-Secret-1",
        "password_env": "",
        "folder": "INBOX",
        "registrar": world.clerk.pk,
        "active": "on",
    }
    data.update(changes)
    return data


def test_the_password_is_saved_never_shown_and_kept_when_left_empty(world, client_for):
    admin = client_for(world.staff["admin"])
    response = admin.post(f"{LIST}add/", _form(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox = Mailbox.objects.get()
    assert mailbox.address == "desk@ljy.test" and mailbox.imap_password() == "first-Secret-1"
    page = admin.get(f"{LIST}{mailbox.pk}/change/").content.decode()
    assert "first-Secret-1" not in page
    assert admin.post(f"{LIST}{mailbox.pk}/change/", _form(world, password="")).status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.password == "first-Secret-1"
    admin.post(f"{LIST}{mailbox.pk}/change/", _form(world, password="second-Secret-2"))
    mailbox.refresh_from_db()
    assert mailbox.password == "second-Secret-2"


def test_a_password_from_the_environment_is_not_stored(world, monkeypatch):
    monkeypatch.setenv("LJY_MAIL_PASSWORD", "from-the-env")
    mailbox = Mailbox.objects.create(
        estate=world.estate,
        address="desk@ljy.test",
        imap_host="h",
        username="u",
        password_env="LJY_MAIL_PASSWORD",
        registrar=world.clerk,
    )
    assert mailbox.imap_password() == "from-the-env" and mailbox.password == ""


def test_staff_without_the_admin_cannot_open_the_mailboxes(world, client_for):
    response = client_for(world.clerk).get(LIST)
    assert response.status_code in (302, 403)
