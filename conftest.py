"""Shared pytest fixtures: the named-people world and signed-in clients."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def world(db):
    """The standard world of named people and places."""
    from shouwen.core.testing import make_world

    return make_world()


@pytest.fixture
def client_for(client):
    """Return a function that signs a Django test client in as a staff member."""

    def sign_in(staff):
        client.force_login(staff.user)
        return client

    return sign_in


@pytest.fixture
def api_for():
    """Return a function giving a DRF APIClient authenticated with the staff member's token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(staff):
        token, _ = Token.objects.get_or_create(user=staff.user)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return api

    return make
