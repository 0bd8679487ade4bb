"""The periodic jobs `shouwen worker` runs, each exactly once per period across any number of workers.

Every job runs through :func:`run_periodic`: the job's lease row (``shouwen.core.leases``) is
claimed for the current period with one conditional UPDATE, and only the worker that wins runs the
job. Any worker may ask any number of times; a killed holder is replaced in the next period, and
since every job catches up on what is due (a deadline, a reminder not yet sent), a run cut short is
made good by the next period's. E-mail and SMS delivery is not one of these: it is shared work that
several workers do side by side, each copy claimed by one of them (``services.deliver_pending``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from shouwen.core.leases import claim_period, period_start, record_finish, worker_id
from shouwen.core.models import Lease

# Nightly upkeep (pruning, SQLite planner statistics) runs at the first round after this local hour.
UPKEEP_HOUR = 3
# Finished task rows are kept this many days for looking into problems, then pruned by the upkeep.
KEEP_RESULTS_DAYS = 7


@dataclass(frozen=True)
class PeriodicJob:
    """A job that runs once per period: its lease's name, its period and what it does."""

    name: str
    period: Callable[[], timedelta]
    body: Callable[[datetime], dict[str, int]]
    # Periods are counted from this moment (default the Unix epoch); days from local midnight.
    origin: Callable[[], datetime] | None = None
    # Within its period, the job waits until this says it may run (e.g. after 03:00 local time).
    ready: Callable[[datetime], bool] | None = None

    def period_start(self, now: datetime) -> datetime:
        return period_start(now, self.period(), origin=self.origin() if self.origin else None)

    def is_open(self, now: datetime | None = None) -> bool:
        """Whether the job is due: ready, and its current period not yet claimed by any worker."""
        now = now or timezone.now()
        if self.ready is not None and not self.ready(now):
            return False
        return not Lease.objects.filter(name=self.name, period_start__gte=self.period_start(now)).exists()


def run_periodic(job: PeriodicJob, now: datetime | None = None, holder: str | None = None) -> dict[str, int]:
    """Run the job if this worker wins its current period; ``{"ran": 0}`` when it is not due or ran elsewhere."""
    now = now or timezone.now()
    holder = holder or worker_id()
    if job.ready is not None and not job.ready(now):
        return {"ran": 0}
    origin = job.origin() if job.origin else None
    if not claim_period(job.name, holder, now, period=job.period(), origin=origin):
        return {"ran": 0}
    started = time.monotonic()
    try:
        result = job.body(now)
    finally:
        record_finish(job.name, holder, started)
    return {"ran": 1, **result}


# ---------------------------------------------------------------- the jobs


def _sweep(now: datetime) -> dict[str, int]:
    """Escalate the deadlines come due, alert on shift handovers not accepted in time, remind of stale boards."""
    # Imported here: the SLA and duty apps depend on this one (they call notify), not the other way round.
    from shouwen.duty.services import sweep_unaccepted_sheets
    from shouwen.notices.services import remind_stale_boards
    from shouwen.sla.sweep import sweep_deadlines

    return {**sweep_deadlines(now), **sweep_unaccepted_sheets(now), **remind_stale_boards(now)}


def _remind_monthly_summaries(now: datetime) -> dict[str, int]:
    from shouwen.reports.summaries import remind_unsubmitted

    return {"reminded": remind_unsubmitted(now)}


def _upkeep(now: datetime) -> dict[str, int]:
    """Prune finished task rows (database queue) and quiet sign-in counters, refresh SQLite's statistics."""
    from django.core.management import call_command

    from shouwen.accounts.throttle import prune_counters
    from shouwen.core.maintenance import refresh_statistics

    if settings.SHOUWEN_TASKS_BACKEND == "db":  # RQ expires its own finished jobs
        call_command("prune_db_task_results", min_age_days=KEEP_RESULTS_DAYS, verbosity=0)
    from shouwen.portal.signin import prune_codes

    pruned = prune_counters(now)  # sign-in counters of names and addresses long quiet
    codes = prune_codes(now)  # the residents' sign-in codes and wrong codes older than a day
    return {"counters_pruned": pruned, "codes_pruned": codes, "statistics": int(refresh_statistics())}


def _requeue_abandoned(now: datetime) -> dict[str, int]:
    from shouwen.notifications.queues import requeue_abandoned

    return {"requeued": requeue_abandoned(now)}


def _poll_mailboxes(now: datetime) -> dict[str, int]:
    from shouwen.mailbox.services import poll_all

    return poll_all(now)


def _local_midnight() -> datetime:
    return datetime(2000, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _after_upkeep_hour(now: datetime) -> bool:
    return timezone.localtime(now).hour >= UPKEEP_HOUR


# The lease's name is shouwen.sla.sweep.SWEEP_LEASE (sweep_deadlines_once claims the same one).
SWEEP = PeriodicJob("deadline-sweep", lambda: timedelta(seconds=settings.SHOUWEN_SWEEP_SECONDS), _sweep)
# From the 25th, supervisors whose estate has not submitted the month's summary: checked hourly.
MONTHLY_SUMMARY_REMINDER = PeriodicJob(
    "monthly-summary-reminder", lambda: timedelta(hours=1), _remind_monthly_summaries
)
UPKEEP = PeriodicJob(
    "nightly-upkeep", lambda: timedelta(days=1), _upkeep, origin=_local_midnight, ready=_after_upkeep_hour
)
# Tasks left running by a killed worker go back to the queue (every task is idempotent).
ABANDONED_TASKS = PeriodicJob("abandoned-tasks", lambda: timedelta(minutes=1), _requeue_abandoned)

# The estates' mailboxes read over IMAP (shouwen.mailbox.services.poll_all).
MAIL_POLL = PeriodicJob(
    "mail-poll", lambda: timedelta(seconds=settings.SHOUWEN_MAIL_POLL_SECONDS), _poll_mailboxes
)

JOBS = (SWEEP, MONTHLY_SUMMARY_REMINDER, UPKEEP, ABANDONED_TASKS, MAIL_POLL)
