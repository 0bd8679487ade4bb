"""Request body parsers of the API: DRF's, refusing NUL characters anywhere in the data.

DRF's CharField already refuses NUL, but other fields look values up as they come (a case number
in a SlugRelatedField, a key of a dict) and PostgreSQL cannot take a NUL in a text value: such a
request used to end in a server error instead of a 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _has_nul(value: Any, depth: int = 0) -> bool:
    if depth > 100:  # deeper than any real request; the serializer refuses the shape anyway
        return False
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        items = value.lists() if hasattr(value, "lists") else value.items()
        return any(_has_nul(k, depth + 1) or _has_nul(v, depth + 1) for k, v in items)
    if isinstance(value, list | tuple):
        return any(_has_nul(v, depth + 1) for v in value)
    return False


def refuse_nul(data: Any) -> Any:
    """Return the parsed data, or raise a 400 if a text in it holds a NUL character."""
    fields = data.data if isinstance(data, parsers.DataAndFiles) else data
    if _has_nul(fields):
        raise ParseError(_("请求中含有不允许的控制字符。"))
    return data


class JSONParser(parsers.JSONParser):
    """JSON bodies (no NUL characters)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return refuse_nul(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    """URL-encoded form bodies (no NUL characters)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return refuse_nul(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    """Multipart bodies: the text fields may hold no NUL character (files may, they are bytes)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return refuse_nul(super().parse(stream, media_type, parser_context))
