"""`shouwen worker` with SHOUWEN_TASKS_BACKEND=rq: RQ's worker on the local Redis runs the same tasks."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from shouwen.core.models import Lease
from shouwen.notifications.models import Delivery, Notification
from shouwen.notifications.services import notify
from shouwen.notifications.tests.test_worker import database_url
from shouwen.sla.sweep import SWEEP_LEASE

pytestmark = pytest.mark.worker


def test_the_rq_worker_delivers_email_and_sweeps(
    live_world, smtp_server, no_quiet_hours, throwaway_redis, tmp_path
):
    collector, port = smtp_server
    clerk = live_world.clerk
    clerk.user.email = "wangli@example.com"
    clerk.user.save(update_fields=["email"])
    n = notify(clerk, title="LJY-20260310-0003 报修待接收")

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {
            "DATABASE_URL": database_url(),
            "SHOUWEN_TASKS_BACKEND": "rq",
            "SHOUWEN_REDIS_URL": throwaway_redis,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "EMAIL_USE_TLS": "false",
            "SHOUWEN_QUIET_HOURS": "",
        }
    )
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "shouwen.cli", "worker", "--interval", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            assert collector.wait_for(1, timeout=40), log_path.read_text(errors="replace")[-3000:]
            deadline = time.monotonic() + 10
            while (
                Notification.objects.get(pk=n.pk).email_status != Delivery.SENT
                and time.monotonic() < deadline
            ):
                time.sleep(0.2)
            assert Notification.objects.get(pk=n.pk).email_status == Delivery.SENT
            deadline = time.monotonic() + 20
            while (
                not Lease.objects.filter(name=SWEEP_LEASE, runs__gte=1).exists()
                and time.monotonic() < deadline
            ):
                time.sleep(0.2)
            assert Lease.objects.get(name=SWEEP_LEASE).finished_at is not None
            time.sleep(1.5)
            assert len(collector.messages) == 1
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
                raise
    assert "RQ on Redis" in log_path.read_text(errors="replace")
