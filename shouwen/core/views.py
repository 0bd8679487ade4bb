"""Home page, health check (alive) and readiness check (database, cache, queue)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import get_random_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset
from shouwen.directory.models import Estate


class HomeView(TemplateView):
    """The start page: the estates served and where to go next."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        ctx = super().get_context_data(**kwargs)
        ctx["estates"] = scope_queryset(Estate.objects.all(), self.request.user)
        if can(self.request.user, Cap.CASE_SUPERVISE):
            from shouwen.core.dashboard import desk_for

            ctx["desk"] = desk_for(self.request.user)
        if can(self.request.user, Cap.ROUNDS_REVIEW):
            from shouwen.rounds.services import today_for

            ctx["routine"] = today_for(self.request.user)
        return ctx


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Return 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # the point is to report any database failure
        return JsonResponse({"status": "error", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for a URL no route matches: JSON under /api/ (what API clients parse), the usual page elsewhere."""
    if request.path.startswith("/api/"):
        from rest_framework.exceptions import NotFound

        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _check_cache() -> str:
    from django.core.cache import cache

    key = f"readyz:{get_random_string(12)}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)
    return type(cache).__name__


def _check_queue() -> str:
    if settings.SHOUWEN_TASKS_BACKEND == "rq":
        import django_rq

        django_rq.get_connection("default").ping()
        return "rq"
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.exists()
    return "database"


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Return 200 when the database, the cache and the task queue all answer, 503 naming what does not.

    The load balancer sends requests only to a node that is ready.
    """
    checks = {"database": _check_database, "cache": _check_cache, "queue": _check_queue}
    body: dict[str, str] = {}
    ready = True
    for name, check in checks.items():
        try:
            body[name] = check()
        except Exception as exc:  # the point is to report any failure, by kind
            ready = False
            body[name] = f"error: {exc.__class__.__name__}"
    body["status"] = "ok" if ready else "error"
    return JsonResponse(body, status=200 if ready else 503)
