"""A worker killed with SIGKILL in the middle of sending an e-mail: another worker sends it later, once.

Real processes (`shouwen worker`) against the test database and a real SMTP server on loopback that
stalls the DATA phase of the first message, so the first worker is certainly mid-send when it dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from shouwen.notifications.models import Delivery, Notification
from shouwen.notifications.services import message_id, notify
from shouwen.notifications.tests.test_worker import database_url

pytestmark = pytest.mark.worker

CLAIM_SECONDS = 7


def worker_env(smtp_port: int, **extra: str) -> dict[str, str]:
    """Return the environment of a `shouwen worker` process on the test database and SMTP server."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {
            "DATABASE_URL": database_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_TIMEOUT": "1",
            "SHOUWEN_DELIVERY_CLAIM_SECONDS": str(CLAIM_SECONDS),
            "SHOUWEN_QUIET_HOURS": "",
            "DEBUG": "false",
            **extra,
        }
    )
    return env


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start `shouwen worker --interval 1` writing to ``log``."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "shouwen.cli", "worker", "--interval", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a worker process gently, or kill it when it does not stop."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def wait_until(condition: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(0.1)


def test_a_worker_killed_mid_send_leaves_the_email_to_another_worker_which_sends_it_once(
    live_world, stalling_smtp_server, no_quiet_hours, tmp_path
):
    if connection.vendor == "sqlite":
        assert str(connection.settings_dict["NAME"]).endswith(".sqlite3"), "the test database must be a file"
    collector, port = stalling_smtp_server
    clerk = live_world.clerk
    clerk.user.email = "wangli@example.com"
    clerk.user.save(update_fields=["email"])
    n = notify(clerk, title="LJY-20260310-0007 报修已超时，请督办", urgent=True)
    env = worker_env(port)
    log = tmp_path / "workers.log"

    first = start_worker(env, log)
    try:
        # The first worker has sent the message's text and waits for the server's reply: kill it there.
        wait_until(collector.stalled.is_set, 40, "the first worker did not start sending", log)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    assert first.returncode == -signal.SIGKILL
    killed = Notification.objects.get(pk=n.pk)
    assert (killed.email_status, killed.email_attempts) == (Delivery.SENDING, 1)
    assert killed.email_claim.split(":")[1] == str(first.pid)  # the dead worker's claim stays behind
    wait_until(lambda: collector.cut_off == 1, 10, "the server did not see the sender go", log)
    assert collector.messages == []  # a transaction cut off before its reply is not delivered

    second = start_worker(env, log)
    try:
        wait_until(lambda: len(collector.messages) == 1, 60, "the second worker did not send it", log)
        wait_until(
            lambda: Notification.objects.get(pk=n.pk).email_status == Delivery.SENT,
            10,
            "the send was not recorded",
            log,
        )
        time.sleep(3)  # several more delivery rounds: nothing goes out again
    finally:
        stop(second)
    assert len(collector.messages) == 1
    message = collector.messages[0]
    assert message["subject"].strip() == "LJY-20260310-0007 报修已超时，请督办"
    sent = Notification.objects.get(pk=n.pk)
    assert message["Message-ID"] == message_id(sent)
    assert (sent.email_status, sent.email_attempts, sent.email_error) == (Delivery.SENT, 2, "")
    assert sent.email_claim.split(":")[1] == str(second.pid)
    # Not before the dead worker's claim had expired: a live worker is never second-guessed.
    assert collector.arrived_at[0] >= killed.email_claimed_at.timestamp() + CLAIM_SECONDS
