"""Forged cross-site posts are refused; sign-in and the language switch never send anyone off the site."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

from shouwen.access.models import PersonalDataAccess
from shouwen.core.testing import PASSWORD
from shouwen.notifications.services import notify


def strict_client_for(staff) -> Client:
    """Return a signed-in client that checks CSRF tokens as a browser's requests are checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff.user)
    return client


def test_a_page_form_posted_without_the_csrf_token_is_refused(world):
    notify(world.clerk, title="新事项", url="/", email=False)
    client = strict_client_for(world.clerk)
    assert client.post(reverse("notifications:read_all")).status_code == 403
    assert world.clerk.notifications.filter(read_at__isnull=True).count() == 1

    client.get(reverse("notifications:list"))  # the page sets the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(reverse("notifications:read_all"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert world.clerk.notifications.filter(read_at__isnull=True).count() == 0


def test_an_api_write_with_the_session_cookie_needs_the_csrf_token(world):
    """A page of another site cannot make a signed-in browser reveal a phone number through the API."""
    owner = world.residents["owner"]
    client = strict_client_for(world.clerk)
    url = f"/api/v1/residents/{owner.pk}/reveal/"
    body = {"fields": ["phone"], "reason": "住户来电报修，需回拨"}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not PersonalDataAccess.objects.exists()

    client.get(reverse("core:home"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(url, body, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert PersonalDataAccess.objects.count() == 1


def test_sign_in_never_redirects_off_the_site(world, client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        response = client.post(
            reverse("accounts:login") + "?next=" + target,
            {"username": "qiantai", "password": PASSWORD, "next": target},
        )
        assert response.status_code == 302
        assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL), target
        client.logout()


def test_the_language_switch_never_redirects_off_the_site(world, client_for):
    client = client_for(world.clerk)
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
