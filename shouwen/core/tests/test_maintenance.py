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
from shouwen.notifications.periodic import UPKEEP, run_periodic
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


def test_the_nightly_upkeep_runs_once_a_night_after_three() -> None:
    _world_with_a_case()
    _forget_statistics()
    assert run_periodic(UPKEEP, now=datetime(2026, 11, 30, 1, 0, tzinfo=SHANGHAI))["ran"] == 0  # before 03:00

    old = deliver_notifications_task.enqueue()
    long_ago = datetime(2026, 11, 1, tzinfo=SHANGHAI)
    DBTaskResult.objects.filter(pk=old.id).update(
        status=TaskResultStatus.SUCCESSFUL, enqueued_at=long_ago, finished_at=long_ago
    )
    with time_machine.travel(datetime(2026, 11, 30, 3, 1, tzinfo=SHANGHAI), tick=False):
        assert run_periodic(UPKEEP, holder="w1")["ran"] == 1
    assert not DBTaskResult.objects.filter(pk=old.id).exists()  # pruned: older than a week
    assert has_statistics() is True

    _forget_statistics()
    # The same day again, by this worker or another: nothing more.
    assert run_periodic(UPKEEP, now=datetime(2026, 11, 30, 15, 0, tzinfo=SHANGHAI), holder="w1") == {"ran": 0}
    assert run_periodic(UPKEEP, now=datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI), holder="w2") == {
        "ran": 0
    }
    if connection.vendor == "sqlite":
        assert has_statistics() is False
    # The next night, whoever asks first after 03:00.
    assert run_periodic(UPKEEP, now=datetime(2026, 12, 1, 2, 59, tzinfo=SHANGHAI), holder="w2")["ran"] == 0
    assert run_periodic(UPKEEP, now=datetime(2026, 12, 1, 3, 30, tzinfo=SHANGHAI), holder="w2")["ran"] == 1
    assert has_statistics() is True


def test_the_nightly_upkeep_on_rq_prunes_counters_and_leaves_rq_to_expire_its_jobs(settings) -> None:
    from shouwen.accounts.models import SignInThrottle

    settings.SHOUWEN_TASKS_BACKEND = "rq"
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}  # never reached
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq"]
    SignInThrottle.objects.create(
        scope="address", key="203.0.113.9", failures=1, last_failure_at=datetime(2026, 12, 1, tzinfo=SHANGHAI)
    )
    result = run_periodic(UPKEEP, now=datetime(2027, 1, 5, 3, 5, tzinfo=SHANGHAI), holder="w1")
    assert result["ran"] == 1 and result["counters_pruned"] >= 1
