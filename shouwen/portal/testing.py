"""Helpers for tests of pages and endpoints that residents use."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils.module_loading import import_string

from shouwen.directory.models import Resident
from shouwen.portal import auth


def sign_in_resident(client: Any, resident: Resident) -> None:
    """Sign ``resident`` in to the test client's session, as a correct text-message code does."""
    engine = import_string(settings.SESSION_ENGINE)
    session: SessionBase = engine.SessionStore()
    request = HttpRequest()
    request.session = session
    auth.sign_in(request, resident)
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


def resident_token(resident: Resident) -> str:
    """Return a fresh portal API token of ``resident`` (send as ``Authorization: Resident <token>``)."""
    return auth.issue_token(resident)
