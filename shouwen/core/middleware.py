"""Every page requires sign-in except the few listed here."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

# The API authenticates with its own tokens and answers 401/403 itself.
# /r/ is the residents' portal: its pages check the resident session themselves (shouwen.portal.auth).
# /readyz and /metrics are for load balancers and monitors (/metrics checks its own token or address).
PUBLIC_PREFIXES = (
    "/accounts/login/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/static/",
    "/i18n/",
    "/api/",
    "/favicon.ico",
    "/wechat/in/",  # WeChat's servers: every request is signed instead (shouwen.wechat.views)
    "/r/",
    "/s/",  # the opinion survey's signed text-message links (the signature is the credential)
)


class LoginRequiredMiddleware:
    """Send anonymous visitors of any page to the sign-in page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        return self.get_response(request)


class ChineseFirstMiddleware:
    """Pages are Chinese unless the user picked English with the switch (the language cookie).

    Office computers often run English browsers; the browser's Accept-Language is therefore
    ignored for pages. API clients may still ask for English messages with Accept-Language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RefuseNulCharactersMiddleware:
    """Answer 400 to a request whose path or query string holds a NUL character.

    Forms and serializers already refuse NUL in fields, but query parameters (search words, ids)
    and path parameters reach the database as they are, and PostgreSQL cannot take a NUL in a
    text value: the request used to end in a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            message = _("请求中含有不允许的控制字符。")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)


def body_limit(content_type: str) -> int:
    """Return the largest body, in bytes, accepted for a request of this content type."""
    limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if content_type.lower().startswith("multipart/"):
        from shouwen.directory.excel import MAX_FILE_BYTES

        # The largest file that may be uploaded (an attachment or a directory workbook) and its form.
        limit += max(settings.SHOUWEN_ATTACHMENT_MAX_MB * 1024 * 1024, MAX_FILE_BYTES)
    return limit


class RequestSizeLimitMiddleware:
    """Answer 413 to a request whose declared body is larger than any real one, before reading it.

    Django checks ``DATA_UPLOAD_MAX_MEMORY_SIZE`` only when a form is parsed, and not at all for a
    JSON body the API reads as a stream; files have no total limit. Refusing on Content-Length
    keeps a body of megabytes from being read, parsed and validated at all.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body without a valid length
        limit = body_limit(request.META.get("CONTENT_TYPE", ""))
        if length > limit:
            message = _("提交的内容过大（%(size)s KB，最多 %(max)s KB），请精简文字或分开提交。") % {
                "size": length // 1024,
                "max": limit // 1024,
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
