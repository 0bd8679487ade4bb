"""The API's error answers: DRF's, with a throttled request told plainly when to try again."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ErrorDetail, Throttled
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class LimitReached(Throttled):
    """429 with Retry-After and a message of our own (DRF's appends an English-built sentence)."""

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(wait=max(1, wait))
        self.detail = ErrorDetail(message, code="throttled")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer like DRF; a 429 carries Retry-After and says in the reader's language when to retry."""
    if isinstance(exc, Throttled) and not isinstance(exc, LimitReached):
        seconds = max(1, getattr(exc, "wait", None) or 1)
        exc = LimitReached(_("请求过于频繁，请在 %(seconds)s 秒后再试。") % {"seconds": seconds}, seconds)
    return drf_exception_handler(exc, context)
