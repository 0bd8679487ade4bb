"""Nightly planner statistics: SQLite gets ANALYZE and then plans 我的事项 by the holder's index."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shouwen.core.maintenance import has_statistics, refresh_statistics
from shouwen.core.testing import make_world
from shouwen.notifications.management.commands.worker import Scheduler
from shouwen.notifications.tasks import deliver_notifications_task

pytestmark = pytest.mark.django_db(transaction=True)


SHANGHAI = ZoneInfo("Asia/Shanghai")


def _forget_statistics() -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("DELETE FROM sqlite_stat1")


def _world_with_a_case() -> None:
    world = make_world()
    world.contact(category="public_repair", content="3号楼电梯困人", resident=None, unit=None)


def test_refresh_statistics_fills_sqlite_stat1_or_leaves_postgresql_to_autovacuum() -> None:
    _world_with_a_case()
    if connection.vendor != "sqlite":
        assert refresh_statistics() is False
        assert has_statistics() is True
        return
    _forget_statistics()
    assert has_statistics() is False
    assert refresh_statistics() is True
    assert has_statistics() is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'cases_case'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert "case_accountable_status" in indexes


def test_worker_upkeep_runs_once_a_night_after_three_and_at_start_without_statistics() -> None:
    _world_with_a_case()
    _forget_statistics()
    scheduler = Scheduler(interval=60)
    with time_machine.travel(datetime(2026, 11, 30, 1, 0, tzinfo=SHANGHAI), tick=False):
        scheduler.upkeep()  # before 03:00: only the missing statistics are gathered
    assert has_statistics() is True
    assert scheduler._upkeep_done_on is None

    old = deliver_notifications_task.enqueue()
    long_ago = datetime(2026, 11, 1, tzinfo=SHANGHAI)
    DBTaskResult.objects.filter(pk=old.id).update(
        status=TaskResultStatus.SUCCESSFUL, enqueued_at=long_ago, finished_at=long_ago
    )
    _forget_statistics()
    with time_machine.travel(datetime(2026, 11, 30, 3, 1, tzinfo=SHANGHAI), tick=False):
        scheduler.upkeep()
    assert not DBTaskResult.objects.filter(pk=old.id).exists()  # pruned: older than a week
    assert has_statistics() is True
    assert str(scheduler._upkeep_done_on) == "2026-11-30"

    _forget_statistics()
    with time_machine.travel(datetime(2026, 11, 30, 15, 0, tzinfo=SHANGHAI), tick=False):
        scheduler.upkeep()  # the same day again: nothing more
    if connection.vendor == "sqlite":
        assert has_statistics() is False
    with time_machine.travel(datetime(2026, 12, 1, 3, 30, tzinfo=SHANGHAI), tick=False):
        scheduler.upkeep()  # the next night
    assert has_statistics() is True
    assert str(scheduler._upkeep_done_on) == "2026-12-01"
