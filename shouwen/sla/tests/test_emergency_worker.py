"""End to end: a lift entrapment registered at 22:30 reaches the on-duty technician and the supervisor
through a real worker and a real SMTP server at once, while an ordinary report waits for the morning."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from shouwen.cases import services
from shouwen.notifications.models import Notification
from shouwen.notifications.tests.test_worker import database_url

pytestmark = [pytest.mark.worker, pytest.mark.once]


def tonight_at_2230() -> datetime:
    """22:30 tomorrow evening (local time): a held message waits for 07:00 after it, still ahead."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    return datetime(
        tomorrow.year, tomorrow.month, tomorrow.day, 22, 30, tzinfo=timezone.get_current_timezone()
    )


def test_a_lift_entrapment_at_2230_wakes_the_technician_and_the_supervisor(live_world, smtp_server, tmp_path):
    collector, port = smtp_server
    world = live_world
    with time_machine.travel(tonight_at_2230(), tick=False):
        case = services.register_contact(
            world.clerk,
            estate=world.estate,
            channel="phone",
            category="public_repair",
            content="3号楼电梯困人，两位老人被困",
            public_area=world.lift,
        ).case
        complaint = services.register_contact(
            world.clerk,
            estate=world.estate,
            channel="phone",
            category="complaint",
            severity="important",
            content="保安夜间巡逻不到位",
        ).case
    assert case.urgency == "emergency"
    technician, supervisor = world.technician.user.email, world.supervisor.user.email
    held = Notification.objects.get(case=complaint, recipient=world.supervisor)
    assert held.email_status == "held"

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {
            "DATABASE_URL": database_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "EMAIL_USE_TLS": "false",
            # Quiet all day long for the worker too: only the urgent copies may go out.
            "SHOUWEN_QUIET_HOURS": "00:00-23:59",
        }
    )

    def delivered(address: str) -> bool:
        return any(address in r for r in collector.recipients)

    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "shouwen.cli", "worker", "--interval", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            until = time.monotonic() + 45
            while time.monotonic() < until and proc.poll() is None:
                if delivered(technician) and delivered(supervisor):
                    break
                time.sleep(0.3)
            assert delivered(technician) and delivered(supervisor), log_path.read_text(errors="replace")[
                -3000:
            ]
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    subjects = [m["subject"] for m in collector.messages]
    assert all(case.number in s and "紧急维修" in s for s in subjects), subjects
    held.refresh_from_db()
    assert held.email_status == "held"  # the complaint's report waits for 07:00
