"""`shouwen worker`: run queued background tasks and queue the deadline sweep and delivery.

The queue's own worker runs in the main thread (its SIGTERM/SIGINT handling needs it): django-tasks-db's
``db_worker`` by default, RQ's ``rqworker`` with ``SHOUWEN_TASKS_BACKEND=rq``. A scheduler thread
queues ``deliver_notifications_task`` every interval and ``sweep_deadlines_task`` whenever the
current sweep period has not run yet; the sweep's lease row lets one worker sweep per period
however many run, and every task is idempotent, so several workers, or cron with ``--once``, are harmless.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks.base import TASK_MAX_PRIORITY, Task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shouwen.accounts.throttle import prune_counters
from shouwen.core.leases import period_start
from shouwen.core.maintenance import has_statistics, refresh_statistics
from shouwen.core.models import Lease
from shouwen.notifications.tasks import deliver_notifications_task, sweep_deadlines_task
from shouwen.reports.tasks import remind_monthly_summaries_task
from shouwen.surveys.tasks import send_survey_links_task

logger = logging.getLogger("shouwen.worker")

# The monthly-summary reminder runs with the deliveries; it sends each reminder once (a row per month).
PERIODIC_TASKS = (
    sweep_deadlines_task,
    deliver_notifications_task,
    remind_monthly_summaries_task,
    send_survey_links_task,
)
# Finished task rows are kept this many days for looking into problems, then pruned once a day.
KEEP_RESULTS_DAYS = 7
# Nightly upkeep (pruning, SQLite planner statistics) runs at the first round after this local hour.
UPKEEP_HOUR = 3


# A task "running" this long belongs to a worker that was killed: it is queued again (every task is
# idempotent), so none is lost. Longer than any task takes: a sweep or a delivery run takes minutes at most.
STALE_RUNNING_MINUTES = 30
# The scheduler looks at least this often whether the sweep period has run, so none is skipped.
SWEEP_POLL_SECONDS = 5.0


def is_waiting(t: Task[Any, Any]) -> bool:
    """Return whether a run of the task is already queued and not yet started (either queue backend)."""
    if settings.SHOUWEN_TASKS_BACKEND == "rq":
        import django_rq

        queue = django_rq.get_queue(t.queue_name)
        return any(job.func_name == t.module_path for job in queue.get_jobs(0, 500))
    return DBTaskResult.objects.filter(task_path=t.module_path, status=TaskResultStatus.READY).exists()


def requeue_abandoned(now: Any = None) -> int:
    """Queue again the tasks a killed worker left running on the database queue; return how many.

    (RQ moves a killed worker's task to its failed list itself; the periodic tasks run again anyway.)
    """
    from datetime import timedelta

    if settings.SHOUWEN_TASKS_BACKEND != "db":
        return 0
    cutoff = (now or timezone.now()) - timedelta(minutes=STALE_RUNNING_MINUTES)
    count = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).update(
        status=TaskResultStatus.READY, started_at=None
    )
    if count:
        logger.warning("queued again %s task(s) left running by a worker that stopped", count)
    return count


def sweep_period_open(now: Any = None) -> bool:
    """Return whether the current sweep period has not been claimed by any worker yet."""
    from datetime import timedelta

    from shouwen.sla.sweep import SWEEP_LEASE

    now = now or timezone.now()
    start = period_start(now, timedelta(seconds=settings.SHOUWEN_SWEEP_SECONDS))
    return not Lease.objects.filter(name=SWEEP_LEASE, period_start__gte=start).exists()


def enqueue_periodic(*, deliveries: bool = True, now: Any = None) -> int:
    """Queue the sweep when its period is open and delivery (unless told not); return how many were queued.

    A run already waiting is not queued again: a slow one (a mail server timing out) must not
    let identical runs pile up behind it.
    """
    queued = 0
    for t in PERIODIC_TASKS:
        if t is sweep_deadlines_task and not sweep_period_open(now):
            continue
        if t is not sweep_deadlines_task and not deliveries:
            continue
        if is_waiting(t):
            continue
        if t is sweep_deadlines_task and t.get_backend().supports_priority:
            # First in the database queue: a free worker takes the sweep before waiting deliveries.
            # (RQ has no priorities; there a delivery run's time limit bounds the wait.)
            t = t.using(priority=TASK_MAX_PRIORITY)
        t.enqueue()
        queued += 1
    return queued


class Scheduler(threading.Thread):
    """Queue the periodic tasks now and then every ``interval`` seconds until stopped."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="shouwen-scheduler", daemon=True)
        self.interval = interval
        self.tick = min(interval, SWEEP_POLL_SECONDS)
        self.stopping = threading.Event()
        self._upkeep_done_on: object = None

    def run(self) -> None:
        """Loop until stopped; a failing round is logged and retried at the next tick."""
        import time

        next_delivery = 0.0
        try:
            while not self.stopping.is_set():
                try:
                    close_old_connections()
                    deliveries = time.monotonic() >= next_delivery
                    enqueue_periodic(deliveries=deliveries)
                    if deliveries:
                        requeue_abandoned()
                        next_delivery = time.monotonic() + self.interval
                    self.upkeep()
                except Exception:  # e.g. the database restarting: try again next round, keep the worker up
                    logger.exception("could not queue the periodic tasks")
                self.stopping.wait(self.tick)
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
        rq = settings.SHOUWEN_TASKS_BACKEND == "rq"
        if options["once"]:
            enqueue_periodic()
            if rq:
                call_command("rqworker", "default", burst=True, **self.rq_options(options))
            else:
                call_command("db_worker", batch=True, interval=0, **worker_options)
            return
        scheduler = Scheduler(interval)
        scheduler.start()
        self.stdout.write(
            f"Shouwen worker ({'RQ on Redis' if rq else 'database queue'}): e-mail/SMS delivery every "
            f"{interval:g} s, deadline sweep once per {settings.SHOUWEN_SWEEP_SECONDS} s across all workers"
        )
        self.stdout.flush()
        try:
            if rq:
                call_command("rqworker", "default", **self.rq_options(options))
            else:
                # Poll the queue at most every second, or as often as the scheduler fills it.
                call_command("db_worker", interval=min(1.0, interval), **worker_options)
        finally:
            scheduler.stop()

    @staticmethod
    def rq_options(options: dict[str, Any]) -> dict[str, Any]:
        """Return the options of RQ's worker: django-tasks-rq's job class, no forking per task."""
        return {
            "job_class": "django_tasks_rq.Job",
            # One process: the scheduler thread and the tasks share it (a fork per task would copy the thread).
            "worker_class": "rq.worker.SimpleWorker",
            "with_scheduler": True,
            "verbosity": options["verbosity"],
        }
