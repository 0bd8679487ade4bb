"""Content-Security-Policy on every response: the site's policy, or a view's own narrower exception.

Shaped like Django 6's built-in CSP (the ``SECURE_CSP`` setting, the ``CSP`` source keywords, a
``csp_override`` decorator), so that moving to Django 6 swaps this module for ``django.middleware.csp``
without touching the policy or the views.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:  # settings.py imports this module: keep its import light
    from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"

PolicyValue = Sequence[str] | str | bool | None
Policy = Mapping[str, PolicyValue]


class CSP:
    """Source keywords of a policy, quoted as the header wants them."""

    SELF = "'self'"
    NONE = "'none'"
    UNSAFE_INLINE = "'unsafe-inline'"
    UNSAFE_EVAL = "'unsafe-eval'"
    DATA = "data:"
    BLOB = "blob:"


def build_policy(config: Policy) -> str:
    """Return the header value of a policy given as {directive: sources}.

    A directive with True stands alone (``upgrade-insecure-requests``); one with False, None or no
    sources is left out.
    """
    parts = []
    for directive, value in config.items():
        if value is True:
            parts.append(directive)
        elif not value:
            continue
        elif isinstance(value, str):
            parts.append(f"{directive} {value}")
        else:
            parts.append(f"{directive} {' '.join(value)}")
    return "; ".join(parts)


def csp_override(config: Policy) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Give a view its own policy instead of ``settings.SECURE_CSP``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            response._csp_config = config  # type: ignore[attr-defined]
            return response

        return wrapped

    return decorator


class ContentSecurityPolicyMiddleware:
    """Add the Content-Security-Policy header to every response that has none yet."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER in response:
            return response
        # Django's technical error pages (DEBUG only, never in production) are styled inline.
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        response[HEADER] = build_policy(getattr(response, "_csp_config", settings.SECURE_CSP))
        return response
