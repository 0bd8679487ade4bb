"""Run a periodic job once per period across any number of workers, settled by the database.

Each worker calls :func:`claim_period` whenever it likes (every few seconds); one conditional
UPDATE on the job's lease row succeeds for a period that has not run yet, and only for the
current holder or, once the holder's lease has expired (a killed worker), for anyone. The lease
lasts one period, so a dead holder is replaced within the next period and no period is missed.
Works the same on SQLite and PostgreSQL: no advisory lock, no clock but the callers' ``now``.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import UTC, datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from shouwen.core.models import Lease
from shouwen.core.retry import retry_on_lock


def worker_id() -> str:
    """Return this process's name as a lease holder: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def period_start(now: datetime, period: timedelta, origin: datetime | None = None) -> datetime:
    """Return the start of the period ``now`` falls in (periods counted from ``origin``, or the Unix epoch)."""
    origin = origin or EPOCH
    seconds = period.total_seconds()
    elapsed = (now - origin).total_seconds()
    return (origin + timedelta(seconds=(elapsed // seconds) * seconds)).astimezone(UTC)


def claim_period(
    name: str,
    holder: str,
    now: datetime | None = None,
    *,
    period: timedelta,
    origin: datetime | None = None,
) -> bool:
    """Take the job ``name`` for the period of ``now``; False when it ran (or is running) elsewhere."""
    now = now or timezone.now()
    start = period_start(now, period, origin)
    retry_on_lock(lambda: Lease.objects.get_or_create(name=name), what="create a lease")
    claimed = retry_on_lock(
        lambda: (
            Lease.objects.filter(name=name)
            .filter(Q(period_start__isnull=True) | Q(period_start__lt=start))
            .filter(Q(holder=holder) | Q(expires_at__isnull=True) | Q(expires_at__lte=now))
            .update(
                holder=holder,
                period_start=start,
                expires_at=now + period,
                started_at=now,
                finished_at=None,
                runs=F("runs") + 1,
            )
        ),
        what="claim a lease",
    )
    return claimed == 1


def record_finish(name: str, holder: str, started: float) -> None:
    """Note that the holder's run ended, and how long it took (``started`` from time.monotonic())."""
    duration = time.monotonic() - started
    retry_on_lock(
        lambda: Lease.objects.filter(name=name, holder=holder).update(
            finished_at=timezone.now(), duration=duration
        ),
        what="record a lease run",
    )
