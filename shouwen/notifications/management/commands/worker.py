"""`shouwen worker`: run queued background tasks and, every interval, queue the deadline sweep and delivery.

The django-tasks-db worker runs in the main thread (its SIGTERM/SIGINT handling needs it); a
scheduler thread queues ``sweep_deadlines_task`` and ``deliver_notifications_task``. Both tasks are
idempotent, so running several workers, or one from cron with ``--once``, is harmless.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shouwen.accounts.throttle import prune_counters
from shouwen.core.maintenance import has_statistics, refresh_statistics
from shouwen.notifications.tasks import deliver_notifications_task, sweep_deadlines_task

logger = logging.getLogger("shouwen.worker")

PERIODIC_TASKS = (sweep_deadlines_task, deliver_notifications_task)
# Finished task rows are kept this many days for looking into problems, then pruned once a day.
KEEP_RESULTS_DAYS = 7
# Nightly upkeep (pruning, SQLite planner statistics) runs at the first round after this local hour.
UPKEEP_HOUR = 3


def enqueue_periodic() -> int:
    """Queue each periodic task unless a run of it is already waiting; return how many were queued."""
    queued = 0
    for t in PERIODIC_TASKS:
        # A slow run (e.g. a mail server timing out) must not let identical runs pile up behind it.
        if DBTaskResult.objects.filter(task_path=t.module_path, status=TaskResultStatus.READY).exists():
            continue
        t.enqueue()
        queued += 1
    return queued


class Scheduler(threading.Thread):
    """Queue the periodic tasks now and then every ``interval`` seconds until stopped."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="shouwen-scheduler", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()
        self._upkeep_done_on: object = None

    def run(self) -> None:
        """Loop until stopped; a failing round is logged and retried at the next interval."""
        try:
            while not self.stopping.is_set():
                try:
                    close_old_connections()
                    enqueue_periodic()
                    self.upkeep()
                except Exception:  # e.g. the database restarting: try again next round, keep the worker up
                    logger.exception("could not queue the periodic tasks")
                self.stopping.wait(self.interval)
        finally:
            connection.close()  # this thread's own connection

    def upkeep(self) -> None:
        """Once a night: prune finished task rows and quiet sign-in counters, refresh SQLite's statistics.

        Also at start when the database has never had statistics, so that a database grown by
        daily use is not planned blind until the first night.
        """
        now = timezone.localtime()
        if self._upkeep_done_on is None and not has_statistics():
            refresh_statistics()
        if now.hour < UPKEEP_HOUR or self._upkeep_done_on == now.date():
            return
        call_command("prune_db_task_results", min_age_days=KEEP_RESULTS_DAYS, verbosity=0)
        prune_counters()  # sign-in counters of names and addresses long quiet
        refresh_statistics()
        self._upkeep_done_on = now.date()

    def stop(self) -> None:
        """Ask the loop to end and wait briefly for it."""
        self.stopping.set()
        self.join(timeout=10)


class Command(BaseCommand):
    help = "Run background tasks: the deadline sweep and e-mail/SMS delivery every --interval seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=60.0, help="seconds between sweeps and deliveries (default 60)"
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="queue the periodic tasks once, run the queue until empty, exit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval: float = options["interval"]
        if interval <= 0:
            self.stderr.write("--interval must be more than 0 seconds")
            raise SystemExit(2)
        worker_options = {
            "reload": False,  # the autoreloader would run tasks in a child process, away from the scheduler
            "startup_delay": False,
            "verbosity": options["verbosity"],
        }
        if options["once"]:
            enqueue_periodic()
            call_command("db_worker", batch=True, interval=0, **worker_options)
            return
        scheduler = Scheduler(interval)
        scheduler.start()
        self.stdout.write(f"Shouwen worker: deadline sweep and e-mail/SMS delivery every {interval:g} s")
        self.stdout.flush()
        try:
            # Poll the queue at most every second, or as often as the scheduler fills it.
            call_command("db_worker", interval=min(1.0, interval), **worker_options)
        finally:
            scheduler.stop()
