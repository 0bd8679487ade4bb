"""Three workers over 32 simulated hours: every periodic job runs exactly once per period, whoever asks.

The pattern of the sweep's test (``shouwen/sla/tests/test_sweep_once_across_workers.py``): each worker
is a thread with its own database connection asking for every periodic job, as its scheduler's task
would, every ten minutes of a simulated clock; the lease rows decide. One worker is killed halfway.
The jobs run for real (the sweep, the monthly-summary reminder with its notifications, the nightly
upkeep, the reaper, the mailbox poll with no mailbox set up); a wrapper only counts each run's period.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from shouwen.notifications import periodic
from shouwen.notifications.models import Notification
from shouwen.reports.models import SummaryReminder

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 24, 22, 0, tzinfo=SHANGHAI)  # the evening before reminders start (the 25th)
STEP = timedelta(minutes=10)
TICKS = 32 * 6 + 1  # 32 hours
WORKERS = 3


def test_every_periodic_job_runs_once_per_period_across_three_workers(live_world, settings, monkeypatch):
    settings.SHOUWEN_SWEEP_SECONDS = 60
    settings.SHOUWEN_QUIET_HOURS = ""
    runs: list[tuple[str, datetime, str]] = []
    lock = threading.Lock()

    def counted(job: periodic.PeriodicJob) -> periodic.PeriodicJob:
        def body(now: datetime) -> dict[str, int]:
            with lock:
                runs.append((job.name, job.period_start(now), threading.current_thread().name))
            return job.body(now)

        return dataclasses.replace(job, body=body)

    jobs = [counted(job) for job in periodic.JOBS]
    assert {job.name for job in jobs} == {
        "deadline-sweep",
        "monthly-summary-reminder",
        "nightly-upkeep",
        "abandoned-tasks",
        "mail-poll",
    }
    alive = [True] * WORKERS
    errors: list[BaseException] = []
    barrier = threading.Barrier(WORKERS, timeout=60)
    answers: Counter[tuple[str, int]] = Counter()

    def worker(i: int) -> None:
        try:
            for k in range(TICKS):
                barrier.wait()  # all workers ask at the same simulated moment: the race
                if k == TICKS // 2 and i == 0:
                    alive[1] = False  # worker 1 is killed halfway (its leases then expire)
                barrier.wait()
                if not alive[i]:
                    continue
                now = T0 + k * STEP + timedelta(milliseconds=37 * i)
                for job in jobs:
                    result = periodic.run_periodic(job, now=now, holder=f"w{i}")
                    with lock:
                        answers[(job.name, result["ran"])] += 1
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,), name=f"w{i}") for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors

    # No job ran twice in one period.
    per_period = Counter((name, start) for name, start, _w in runs)
    assert max(per_period.values()) == 1, [key for key, n in per_period.items() if n > 1]
    # And none missed a period it was due in.
    ticks = [T0 + k * STEP for k in range(TICKS)]
    for job in jobs:
        due = {job.period_start(now) for now in ticks if job.ready is None or job.ready(now)}
        ran = {start for name, start, _w in runs if name == job.name}
        assert ran == due, job.name
    counts = Counter(name for name, _s, _w in runs)
    assert counts["deadline-sweep"] == TICKS  # a tick every ten minutes: a new sweep period each
    assert counts["abandoned-tasks"] == TICKS
    assert counts["mail-poll"] == TICKS  # polled every minute by default: each ten-minute tick a new period
    assert counts["monthly-summary-reminder"] == 33  # 22:00 on the 24th to 06:00 on the 26th
    # The 24th's upkeep (first asked at 22:00), the 25th's and the 26th's (at 03:00).
    upkeep = sorted(
        start.astimezone(SHANGHAI).date().day for name, start, _w in runs if name == "nightly-upkeep"
    )
    assert upkeep == [24, 25, 26]
    # The killed worker ran nothing after it was killed; the others carried on.
    killed_at = T0 + (TICKS // 2) * STEP
    assert {w for name, start, w in runs if start >= killed_at} <= {"w0", "w2"}
    # Every worker asked for every job at every tick it was alive; only one was given each period.
    assert answers[("deadline-sweep", 1)] == TICKS
    assert answers[("deadline-sweep", 0)] == 3 * TICKS - (TICKS - TICKS // 2) - TICKS

    # The reminder's real effect: each supervisor reminded once about March, from the 25th.
    reminders = SummaryReminder.objects.all()
    assert reminders.exists()
    assert Counter(reminders.values_list("estate_id", "month", "recipient_id")).most_common(1)[0][1] == 1
    assert all(r.sent_at.astimezone(SHANGHAI).day == 25 for r in reminders)
    reminded = Counter(
        Notification.objects.filter(title__contains="月度总结").values_list("recipient_id", "title")
    )
    assert reminded and max(reminded.values()) == 1
