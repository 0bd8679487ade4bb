"""`shouwen worker`: run queued background tasks and queue the periodic jobs and delivery.

The queue's own worker runs in the main thread (its SIGTERM/SIGINT handling needs it): django-tasks-db's
``db_worker`` by default, RQ's ``rqworker`` with ``SHOUWEN_TASKS_BACKEND=rq``. A scheduler thread
queues the deliveries (``DELIVERY_TASKS``) every interval, queues each periodic job's task (the deadline
sweep, the monthly-summary reminder, the nightly upkeep, the mailbox poll) whenever its current period has not run yet,
and runs the reaper that queues again what killed workers left behind. Every periodic job claims its
period's lease row before it runs (``shouwen.notifications.periodic``), so it runs once per period
however many workers ask; every task is idempotent, so several workers, or cron with ``--once``, are harmless.
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

from shouwen.core.maintenance import has_statistics, refresh_statistics
from shouwen.mailbox.tasks import poll_mailboxes_task
from shouwen.notices.tasks import deliver_notice_sms_task
from shouwen.notifications.periodic import (
    ABANDONED_TASKS,
    MAIL_POLL,
    MONTHLY_SUMMARY_REMINDER,
    SWEEP,
    UPKEEP,
    PeriodicJob,
    run_periodic,
)
from shouwen.notifications.queues import is_waiting
from shouwen.notifications.tasks import deliver_notifications_task, nightly_upkeep_task, sweep_deadlines_task
from shouwen.reports.tasks import remind_monthly_summaries_task
from shouwen.surveys.tasks import send_survey_links_task
from shouwen.wechat.tasks import push_templates_task

logger = logging.getLogger("shouwen.worker")

# Each periodic job's task: queued when the job's period is open (the task claims the lease itself).
PERIODIC_TASKS: tuple[tuple[PeriodicJob, Task[Any, Any]], ...] = (
    (SWEEP, sweep_deadlines_task),
    (MONTHLY_SUMMARY_REMINDER, remind_monthly_summaries_task),
    (UPKEEP, nightly_upkeep_task),
    (MAIL_POLL, poll_mailboxes_task),
)
# Shared deliveries (notifications, WeChat pushes, notices' and surveys' text messages), queued every
# interval: several workers run them side by side, each row claimed by one
# (the notices' text messages also keep to the minute's rate through their own lease).
DELIVERY_TASKS: tuple[Task[Any, Any], ...] = (
    deliver_notifications_task,
    push_templates_task,
    deliver_notice_sms_task,
    send_survey_links_task,
)
# The scheduler looks at least this often whether a period has opened, so none is skipped.
SWEEP_POLL_SECONDS = 5.0


def enqueue_periodic(*, deliveries: bool = True, now: Any = None) -> int:
    """Queue each periodic job whose period is open, and delivery (unless told not); return how many.

    A run already waiting is not queued again: a slow one (a mail server timing out) must not
    let identical runs pile up behind it.
    """
    now = now or timezone.now()
    queued = 0
    due: list[Task[Any, Any]] = [t for job, t in PERIODIC_TASKS if job.is_open(now)]
    if deliveries:
        at = 1 if due and due[0] is sweep_deadlines_task else 0
        due[at:at] = DELIVERY_TASKS
    for t in due:
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

    def run(self) -> None:
        """Loop until stopped; a failing round is logged and retried at the next tick."""
        import time

        next_delivery = 0.0
        try:
            close_old_connections()
            # A database grown by daily use is not planned blind until the first night's upkeep.
            if not has_statistics():
                refresh_statistics()
        except Exception:
            logger.exception("could not gather planner statistics")
        try:
            while not self.stopping.is_set():
                try:
                    close_old_connections()
                    deliveries = time.monotonic() >= next_delivery
                    enqueue_periodic(deliveries=deliveries)
                    if deliveries:
                        next_delivery = time.monotonic() + self.interval
                    run_periodic(ABANDONED_TASKS)  # the reaper: once a minute across all workers
                except Exception:  # e.g. the database restarting: try again next round, keep the worker up
                    logger.exception("could not queue the periodic tasks")
                self.stopping.wait(self.tick)
        finally:
            connection.close()  # this thread's own connection

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
            run_periodic(ABANDONED_TASKS)
            if rq:
                call_command("rqworker", "default", burst=True, **self.rq_options(options))
            else:
                call_command("db_worker", batch=True, interval=0, **worker_options)
            return
        scheduler = Scheduler(interval)
        scheduler.start()
        self.stdout.write(
            f"Shouwen worker ({'RQ on Redis' if rq else 'database queue'}): e-mail/SMS delivery every "
            f"{interval:g} s, deadline sweep once per {settings.SHOUWEN_SWEEP_SECONDS} s, monthly-summary "
            "reminder hourly, upkeep nightly, each once across all workers"
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
