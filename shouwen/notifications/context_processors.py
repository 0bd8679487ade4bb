"""The bell: how many notifications the signed-in staff member has not read."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from shouwen.access.scope import staff_of
from shouwen.notifications.services import unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """Add ``unread_notifications``, counted only if a template shows it (one indexed COUNT)."""
    staff = staff_of(request.user)
    if staff is None:
        return {"unread_notifications": 0}

    # Templates call callables: fragments that never show the bell cost no query.
    @cache
    def count() -> int:
        return unread_count(staff)

    return {"unread_notifications": count}
