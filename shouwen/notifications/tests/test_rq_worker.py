"""`shouwen worker` with SHOUWEN_TASKS_BACKEND=rq: RQ's worker on the local Redis runs the same tasks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

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


def test_an_rq_task_whose_worker_is_killed_is_queued_again_and_run_by_another_worker(
    live_world, stalling_smtp_server, no_quiet_hours, throwaway_redis, tmp_path, settings
):
    import os
    import signal

    from django.utils import timezone
    from rq.job import Job as RQJob
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    from shouwen.notifications.queues import requeue_abandoned
    from shouwen.notifications.tests.test_killed_mid_send import (
        CLAIM_SECONDS,
        start_worker,
        stop,
        wait_until,
        worker_env,
    )

    collector, port = stalling_smtp_server
    clerk = live_world.clerk
    clerk.user.email = "wangli@example.com"
    clerk.user.save(update_fields=["email"])
    n = notify(clerk, title="LJY-20260310-0009 电梯困人", urgent=True)
    env = worker_env(port, SHOUWEN_TASKS_BACKEND="rq", SHOUWEN_REDIS_URL=throwaway_redis)
    log = tmp_path / "workers.log"
    # This process looks at the same Redis (its own server: nobody else's data) as the workers.
    settings.SHOUWEN_TASKS_BACKEND = "rq"
    settings.RQ_QUEUES = {"default": {"URL": throwaway_redis, "DEFAULT_TIMEOUT": 900}}
    import django_rq

    queue = django_rq.get_queue("default")

    first = start_worker(env, log)
    try:
        wait_until(collector.stalled.is_set, 40, "the first worker did not start sending", log)
        os.kill(first.pid, signal.SIGKILL)  # in the middle of the delivery task
        first.wait(timeout=10)
    finally:
        stop(first)
    started = StartedJobRegistry(queue=queue).get_job_ids()
    assert len(started) == 1
    job_id = started[0]
    assert RQJob.fetch(job_id, connection=queue.connection).func_name == (
        "shouwen.notifications.tasks.deliver_notifications_task"
    )
    # While the dead worker's heartbeat has not lapsed, the job may still be running: left alone.
    assert requeue_abandoned(timezone.now()) == 0
    assert StartedJobRegistry(queue=queue).get_job_ids() == [job_id]
    # Once it has (RQ's heartbeat: the job's timeout and a minute), the reaper queues it again.
    assert requeue_abandoned(timezone.now() + timedelta(minutes=20)) == 1
    assert job_id in queue.get_job_ids()
    assert FailedJobRegistry(queue=queue).get_job_ids() == []
    assert requeue_abandoned(timezone.now() + timedelta(minutes=20)) == 0  # queued once, not twice

    # The dead worker's claim on the e-mail expires; the next worker runs the same job, which sends it.
    claimed_at = Notification.objects.get(pk=n.pk).email_claimed_at
    time.sleep(max(0.0, claimed_at.timestamp() + CLAIM_SECONDS + 0.5 - time.time()))
    second = start_worker(env, log)
    try:
        wait_until(
            lambda: RQJob.fetch(job_id, connection=queue.connection).get_status() == "finished",
            60,
            "the queued-again job did not finish",
            log,
        )
        wait_until(lambda: len(collector.messages) == 1, 20, "the e-mail was not sent", log)
        time.sleep(3)
    finally:
        stop(second)
    job = RQJob.fetch(job_id, connection=queue.connection)
    assert job.return_value()["email_sent"] == 1  # the very task the killed worker had begun
    assert job.meta["shouwen_requeued"] == 1
    assert len(collector.messages) == 1
    sent = Notification.objects.get(pk=n.pk)
    assert (sent.email_status, sent.email_attempts) == (Delivery.SENT, 2)
