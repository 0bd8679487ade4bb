"""End to end with a real worker process: "if the successor does not come, stay" (001 交接班制度 五).

An unaccepted shift handover keeps the outgoing clerk accountable for her cases, and the worker alerts
the estate's supervisor once the configured time after the end of the shift has passed, not before.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from shouwen.cases.models import Case
from shouwen.duty import services
from shouwen.duty.models import HandoverSheet, ShiftKind
from shouwen.duty.tests.helpers import day_of, roster, shift_ending
from shouwen.notifications.models import Notification
from shouwen.notifications.tests.test_worker import database_url

pytestmark = pytest.mark.worker


def test_an_unaccepted_handover_keeps_the_outgoing_clerk_accountable_and_alerts_the_supervisor(
    live_world, tmp_path
):
    world = live_world
    # The clerk's shift ended 40 seconds ago; the successor has one minute to accept.
    ends = timezone.now() - timedelta(seconds=40)
    shift_ending(world, ShiftKind.DAY, ends, accept_within=1)
    roster(world, world.clerk, ShiftKind.DAY, day_of(ends))
    case = world.register(content="3栋电梯按钮失灵")
    sheet = services.create_sheet(world.clerk, incoming=world.staff["cs_assistant"], estate=world.estate)
    assert sheet.cases.get().pass_on
    alerts = Notification.objects.filter(recipient=world.supervisor, title__startswith="交接班未确认")

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"DATABASE_URL": database_url(), "SHOUWEN_QUIET_HOURS": "", "SHOUWEN_SWEEP_SECONDS": "2"})
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "shouwen.cli", "worker", "--interval", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            # The worker sweeps every two seconds; before the time is up nobody is alerted.
            while timezone.now() < sheet.accept_by - timedelta(seconds=3):
                assert not alerts.exists()
                time.sleep(0.5)
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline and proc.poll() is None and not alerts.exists():
                time.sleep(0.3)
            assert alerts.exists(), log_path.read_text(errors="replace")[-3000:]
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    alert = alerts.get()
    sheet.refresh_from_db()
    assert alert.created_at >= sheet.accept_by and sheet.alerted_at is not None
    assert sheet.status == "waiting" and "仍须坚守岗位" in alert.body
    # Still the outgoing clerk's case: nothing passes until the successor accepts.
    assert Case.objects.get(pk=case.pk).accountable == world.clerk
    assert Notification.objects.filter(recipient=world.clerk, title__contains="请坚守岗位").exists()
    services.accept_sheet(world.staff["cs_assistant"], HandoverSheet.objects.get(pk=sheet.pk))
    assert Case.objects.get(pk=case.pk).accountable == world.staff["cs_assistant"]
