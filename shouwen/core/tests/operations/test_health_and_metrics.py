"""Load balancers and monitors: /healthz, /readyz, /metrics, request ids in responses and logs."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from shouwen.cases import services
from shouwen.core.logs import JsonFormatter, RequestIdFilter
from shouwen.notifications.models import Delivery, Notification
from shouwen.notifications.services import notify
from shouwen.sla.models import Deadline, DeadlineState
from shouwen.sla.sweep import sweep_deadlines_once


def test_readyz_answers_when_database_cache_and_queue_do(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["queue"] == "database"
    assert body["database"] in ("sqlite", "postgresql")


def test_readyz_names_the_cache_when_it_does_not_answer(client, db, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["cache"] == "error: ConnectionError"
    assert response.json()["database"] != "error"


def test_readyz_with_rq_pings_redis(client, db, settings, throwaway_redis):
    settings.SHOUWEN_TASKS_BACKEND = "rq"
    settings.RQ_QUEUES = {"default": {"URL": throwaway_redis}}
    assert client.get("/readyz").json()["queue"] == "rq"
    # Nothing listens on port 1: not ready, and the answer says it is the queue.
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["queue"] == "error: ConnectionError"
    assert response.json()["database"] != "error"


def test_healthz_and_readyz_need_no_sign_in_but_pages_do(client, db):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 302


def test_every_response_carries_a_request_id_and_keeps_a_proxys(client, db):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="hap-0a1b2c")["X-Request-ID"] == "hap-0a1b2c"
    # Something that is not an id (too long, odd characters) is replaced, never echoed.
    odd = client.get("/healthz", HTTP_X_REQUEST_ID="<script>" * 20)["X-Request-ID"]
    assert odd != "<script>" * 20 and len(odd) == 32


def test_log_lines_are_json_with_the_request_id(client, db, monkeypatch):
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("shouwen.test.requests")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    from shouwen.core import views

    real = views._check_database

    def logging_check():
        logger.info("数据库检查")
        return real()

    monkeypatch.setattr(views, "_check_database", logging_check)
    try:
        client.get("/readyz", HTTP_X_REQUEST_ID="req-42")
    finally:
        logger.removeHandler(handler)
    entry = json.loads(records[0])
    assert entry["request_id"] == "req-42"
    assert entry["message"] == "数据库检查"
    assert entry["level"] == "INFO" and entry["logger"] == "shouwen.test.requests"


def test_metrics_answer_loopback_and_the_token_only(client, db, settings):
    settings.SHOUWEN_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **outside).status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token", **outside).status_code == 200


@pytest.fixture
def overdue_case(world):
    case = services.register_contact(
        world.clerk,
        estate=world.estate,
        channel="phone",
        category="complaint",
        severity="important",
        content="电梯异响",
    ).case
    now = timezone.now()
    Deadline.objects.filter(case=case, state=DeadlineState.RUNNING).update(
        due_at=now - timedelta(minutes=5), near_at=now - timedelta(minutes=30), next_check_at=now
    )
    return case


def test_metrics_show_cases_per_estate_queue_notifications_sweep_and_latency(
    client, world, overdue_case, settings
):
    settings.SHOUWEN_QUIET_HOURS = ""
    n = notify(world.clerk, title="通知")
    Notification.objects.filter(pk=n.pk).update(email_status=Delivery.FAILED)
    sweep_deadlines_once()
    client.get("/healthz")
    text = client.get("/metrics").content.decode()
    code = world.estate.code
    assert f'shouwen_cases_open{{estate="{code}"}} 1.0' in text
    assert f'shouwen_cases_overdue{{estate="{code}"}} 1.0' in text
    assert 'shouwen_queue_depth{backend="db"}' in text
    assert 'shouwen_notification_copies{channel="email",status="failed"} 1.0' in text
    assert "shouwen_sweep_runs 1.0" in text
    assert "shouwen_sweep_duration_seconds " in text
    assert 'shouwen_request_duration_seconds_count{method="GET",status="2xx"}' in text
