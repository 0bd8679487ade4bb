"""The tasks, `shouwen worker --once`, and `shouwen worker` in its own process delivering e-mail."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shouwen.notifications.management.commands.worker import enqueue_periodic
from shouwen.notifications.models import Delivery, Notification
from shouwen.notifications.services import notify
from shouwen.notifications.tasks import deliver_notifications_task, sweep_deadlines_task


@pytest.fixture
def fake_sweep(monkeypatch):
    """Stand in for the SLA sweep; returns the list of calls."""
    import shouwen.sla.sweep

    calls: list[object] = []

    def sweep(now=None):
        calls.append(now)
        return {"seen": 0, "escalated": 0}

    monkeypatch.setattr(shouwen.sla.sweep, "sweep_deadlines", sweep)
    return calls


@pytest.fixture
def keep_signal_handlers():
    """db_worker installs SIGINT/SIGTERM handlers; put pytest's back afterwards."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


def test_the_sweep_task_calls_the_sla_sweep_once_per_period(db, fake_sweep):
    with time_machine.travel(datetime(2026, 3, 10, 10, 0, 5, tzinfo=UTC), tick=False):
        # The same period also alerts about shift handovers nobody accepted in time (duty).
        assert sweep_deadlines_task.call() == {
            "ran": 1,
            "seen": 0,
            "escalated": 0,
            "sheets_alerted": 0,
            "boards_reminded": 0,
        }
        # Another run in the same minute (another worker's) finds the period taken.
        assert sweep_deadlines_task.call() == {"ran": 0}
    with time_machine.travel(datetime(2026, 3, 10, 10, 1, 0, tzinfo=UTC), tick=False):
        assert sweep_deadlines_task.call()["ran"] == 1
    assert len(fake_sweep) == 2


def test_the_delivery_task_delivers(world, no_quiet_hours):
    notify(world.clerk, title="通知")
    assert deliver_notifications_task.call()["email_sent"] == 1
    assert len(mail.outbox) == 1


def test_a_waiting_run_is_not_queued_twice(db):
    with time_machine.travel(datetime(2026, 3, 10, 2, 0, tzinfo=UTC), tick=False):  # 10:00 in Shanghai
        # the sweep, delivery, the WeChat pushes, the notices' and surveys' texts, the monthly-summary
        # reminder, the nightly upkeep (not run yet today), the mailbox poll
        assert enqueue_periodic() == 8
        assert enqueue_periodic() == 0
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 8


def test_worker_once_runs_the_sweep_and_delivery_then_exits(
    live_world, fake_sweep, no_quiet_hours, keep_signal_handlers
):
    # live_world (committed data): db_worker closes connections between tasks, which a test transaction cannot survive.
    n = notify(live_world.clerk, title="通知")
    call_command("worker", once=True, verbosity=0)
    assert len(fake_sweep) == 1
    n.refresh_from_db()
    assert n.email_status == Delivery.SENT
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}


def database_url() -> str:
    """Return a DATABASE_URL naming the test database this process uses."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = quote(s["USER"] or "", safe="")
    password = quote(s["PASSWORD"] or "", safe="")
    auth = f"{user}:{password}@" if user else ""
    port = f":{s['PORT']}" if s["PORT"] else ""
    host = s["HOST"] or ""  # empty: the local socket, as in this process
    return f"postgres://{auth}{host}{port}/{quote(s['NAME'], safe='')}"


@pytest.mark.worker
def test_the_worker_process_delivers_a_pending_email(live_world, smtp_server, no_quiet_hours, tmp_path):
    if connection.vendor == "sqlite":
        assert str(connection.settings_dict["NAME"]).endswith(".sqlite3"), "the test database must be a file"
    collector, port = smtp_server
    clerk = live_world.clerk
    clerk.user.email = "wangli@example.com"
    clerk.user.save(update_fields=["email"])
    n = notify(clerk, title="LJY-20260310-0001 报修已超时，请督办")
    assert n.email_status == Delivery.PENDING

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {
            "DATABASE_URL": database_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "EMAIL_USE_TLS": "false",
            "SHOUWEN_QUIET_HOURS": "",
            "DEBUG": "false",
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
            deadline = time.monotonic() + 30
            while not collector.messages and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            assert collector.messages, log_path.read_text(errors="replace")[-3000:]
            assert collector.messages[0]["subject"].strip() == "LJY-20260310-0001 报修已超时，请督办"
            deadline = time.monotonic() + 10
            while (
                Notification.objects.get(pk=n.pk).email_status != Delivery.SENT
                and time.monotonic() < deadline
            ):
                time.sleep(0.2)
            assert Notification.objects.get(pk=n.pk).email_status == Delivery.SENT
            time.sleep(1.5)  # a few more rounds of the scheduler must not send it again
            assert len(collector.messages) == 1
        finally:
            proc.terminate()
            try:
                code = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
                raise
    assert code == 0, log_path.read_text(errors="replace")[-3000:]


def test_a_task_left_running_by_a_killed_worker_is_queued_again(
    transactional_db, keep_signal_handlers, no_quiet_hours
):
    from datetime import timedelta

    from django.utils import timezone

    from shouwen.notifications.queues import requeue_abandoned

    result = deliver_notifications_task.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim("host:1234")  # a worker took it, then was killed with it
    assert requeue_abandoned(timezone.now()) == 0  # still may be running
    assert requeue_abandoned(now=timezone.now() + timedelta(minutes=31)) == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.READY
    call_command("db_worker", batch=True, interval=0, reload=False, startup_delay=False, verbosity=0)
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
