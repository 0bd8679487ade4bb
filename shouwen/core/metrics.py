"""The Prometheus ``/metrics`` endpoint: request latency, queue depth, cases per estate, the sweep.

Figures about the data (open and overdue cases per estate, queue depth, notifications waiting or
failed, the last sweep) are read from the database at each scrape, so every web node gives the
same answer. Request latency is counted per process; with several gunicorn workers, set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory (cleared at start) and the processes' counts are
added up (prometheus-client's multiprocess mode).

Only a request bearing ``Authorization: Bearer <SHOUWEN_METRICS_TOKEN>`` or coming from an address
in ``SHOUWEN_METRICS_NETWORKS`` (default: loopback only) is answered; others get 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUEST_LATENCY = Histogram(
    "shouwen_request_duration_seconds",
    "Time to answer a request, by method and status class.",
    ["method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class RequestLatencyMiddleware:
    """Time every request into the latency histogram (the path is left out: it has case numbers)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_LATENCY.labels(request.method or "", f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response


class ShouwenCollector(Collector):
    """Figures read from the database at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.utils import timezone

        from shouwen.cases.models import ACTIVE_STATUSES, Case
        from shouwen.core.models import Lease
        from shouwen.notifications.models import Delivery, Notification
        from shouwen.sla.models import DeadlineState
        from shouwen.sla.sweep import SWEEP_LEASE

        now = timezone.now()
        open_cases = GaugeMetricFamily(
            "shouwen_cases_open", "Cases not yet closed, per estate.", labels=["estate"]
        )
        overdue = GaugeMetricFamily(
            "shouwen_cases_overdue",
            "Open cases with a running deadline past due, per estate.",
            labels=["estate"],
        )
        rows = (
            Case.objects.filter(status__in=list(ACTIVE_STATUSES))
            .values("estate__code")
            .annotate(
                open=Count("pk", distinct=True),
                overdue=Count(
                    "deadlines",
                    filter=Q(deadlines__state=DeadlineState.RUNNING, deadlines__due_at__lt=now),
                    distinct=True,
                ),
            )
            .order_by("estate__code")
        )
        for row in rows:
            open_cases.add_metric([row["estate__code"]], row["open"])
            overdue.add_metric([row["estate__code"]], row["overdue"])
        yield open_cases
        yield overdue

        depth = GaugeMetricFamily(
            "shouwen_queue_depth", "Background tasks waiting to run.", labels=["backend"]
        )
        depth.add_metric([settings.SHOUWEN_TASKS_BACKEND], queue_depth())
        yield depth

        notes = GaugeMetricFamily(
            "shouwen_notification_copies",
            "E-mail and SMS copies waiting, being retried or failed, per channel and status.",
            labels=["channel", "status"],
        )
        for channel in ("email", "sms"):
            counts = dict(
                Notification.objects.filter(
                    **{
                        f"{channel}_status__in": [
                            Delivery.PENDING,
                            Delivery.HELD,
                            Delivery.RETRYING,
                            Delivery.FAILED,
                        ]
                    }
                )
                .values_list(f"{channel}_status")
                .annotate(n=Count("pk"))
                .order_by()
            )
            for status in (Delivery.PENDING, Delivery.HELD, Delivery.RETRYING, Delivery.FAILED):
                notes.add_metric([channel, status], counts.get(status, 0))
        yield notes

        lease = Lease.objects.filter(name=SWEEP_LEASE).first()
        duration = GaugeMetricFamily(
            "shouwen_sweep_duration_seconds", "How long the last deadline sweep took."
        )
        finished = GaugeMetricFamily(
            "shouwen_sweep_last_finished_timestamp_seconds", "When the last deadline sweep ended (Unix time)."
        )
        runs = GaugeMetricFamily("shouwen_sweep_runs", "Deadline sweeps run since the lease row was made.")
        if lease is not None:
            duration.add_metric([], lease.duration or 0.0)
            finished.add_metric([], lease.finished_at.timestamp() if lease.finished_at else 0.0)
            runs.add_metric([], lease.runs)
        yield duration
        yield finished
        yield runs


def queue_depth() -> int:
    """Return how many background tasks wait to run on the configured queue."""
    if settings.SHOUWEN_TASKS_BACKEND == "rq":
        import django_rq

        return int(django_rq.get_queue("default").count)
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()


def _allowed(request: HttpRequest) -> bool:
    token = settings.SHOUWEN_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.SHOUWEN_METRICS_NETWORKS)


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(ShouwenCollector())
    return registry


@never_cache
def metrics(request: HttpRequest) -> Any:
    """Answer Prometheus's scrape, to the token's bearer or the allowed networks only."""
    if not _allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
