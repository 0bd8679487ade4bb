"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import staff_of


class _Caps:
    """Lets templates ask ``{% if caps.directory_import %}``."""

    def __init__(self, request: HttpRequest) -> None:
        self._user = request.user

    def __getattr__(self, name: str) -> bool:
        code = getattr(Cap, name.upper(), None)
        return isinstance(code, str) and can(self._user, code)


def shouwen(request: HttpRequest) -> dict[str, Any]:
    """Add the signed-in staff member and their capabilities."""
    return {"me": staff_of(request.user), "caps": _Caps(request)}
