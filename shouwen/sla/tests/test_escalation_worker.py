"""End to end: a real worker process escalates an overdue complaint, the supervisor's queue shows
it, and the e-mail arrives at a real SMTP server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shouwen.cases import services
from shouwen.notifications.tests.test_worker import database_url
from shouwen.sla.models import Deadline, Escalation

pytestmark = pytest.mark.worker


def test_worker_escalates_an_overdue_complaint_to_the_supervisor_by_email(
    live_world, smtp_server, client, tmp_path
):
    collector, port = smtp_server
    world = live_world
    case = services.register_contact(
        world.clerk,
        estate=world.estate,
        channel="phone",
        category="complaint",
        severity="important",
        content="物业维修拖延，报修三天没人来",
    ).case
    handover = services.hand_over(world.clerk, case, to_staff=world.technician, note="请尽快上门")
    services.accept_handover(world.technician, handover)
    # Three days have gone by: the resolution deadline passed a minute ago.
    now = timezone.now()
    Deadline.objects.filter(case=case, kind="resolution").update(
        started_at=now - timedelta(days=3),
        near_at=now - timedelta(hours=14),
        due_at=now - timedelta(minutes=1),
        final_at=now + timedelta(days=1),
        next_check_at=now - timedelta(hours=14),
        level=0,
    )
    head = world.staff["engineering_head"]  # the technician's supervisor

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {
            "DATABASE_URL": database_url(),
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
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline and proc.poll() is None:
                if any(head.user.email in r for r in collector.recipients):
                    break
                time.sleep(0.3)
            assert any(head.user.email in r for r in collector.recipients), log_path.read_text(
                errors="replace"
            )[-3000:]
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    message = collector.messages[[head.user.email in r for r in collector.recipients].index(True)]
    assert case.number in message["subject"] and "超时" in message["subject"]
    assert Escalation.objects.filter(case=case, target=head, level=2).exists()
    assert case.events.filter(kind="escalated").exists()
    client.force_login(head.user)
    queue = client.get(reverse("cases:queue"), {"queue": "escalated"}).content.decode()
    assert case.number in queue
