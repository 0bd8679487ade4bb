"""The API's error answers: DRF's, with a throttled request told plainly when to try again."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException, ErrorDetail, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


class LimitReached(Throttled):
    """429 with Retry-After and a message of our own (DRF's appends an English-built sentence)."""

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(wait=max(1, wait))
        self.detail = ErrorDetail(message, code="throttled")


class Conflict(APIException):
    """409: the thing changed under the request, or an Idempotency-Key was reused for other content."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("数据已被他人修改，请刷新后重试。")
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer like DRF; a 429 carries Retry-After and says in the reader's language when to retry.

    The services' refusals become HTTP answers here, once for every view: a Django validation
    error (field-keyed where the service names fields) 400, a conflict 409, a reached limit 429.
    """
    from shouwen.core.actions import Conflict as ServiceConflict
    from shouwen.core.actions import LimitExceeded

    if isinstance(exc, LimitExceeded):
        exc = LimitReached(exc.message, exc.wait)
    elif isinstance(exc, DjangoValidationError):
        exc = ValidationError(as_serializer_error(exc))
    elif isinstance(exc, ServiceConflict):
        exc = Conflict(str(exc))
    if isinstance(exc, Throttled) and not isinstance(exc, LimitReached):
        seconds = max(1, getattr(exc, "wait", None) or 1)
        exc = LimitReached(_("请求过于频繁，请在 %(seconds)s 秒后再试。") % {"seconds": seconds}, seconds)
    return drf_exception_handler(exc, context)
