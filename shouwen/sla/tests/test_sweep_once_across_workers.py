"""Three workers over ten simulated minutes: the deadline sweep runs once a minute, whoever asks.

Each worker is a thread with its own database connection (on PostgreSQL in CI's second pass, on
SQLite in the first) asking for the sweep every 15 seconds of a simulated clock; the lease row
decides. The leader is killed halfway: another worker takes over within the next minute.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from shouwen.cases import services
from shouwen.core.models import Lease
from shouwen.notifications.models import Notification
from shouwen.sla import sweep as sweep_module
from shouwen.sla.models import Deadline, DeadlineState, Escalation
from shouwen.sla.sweep import SWEEP_LEASE, sweep_deadlines_once

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a working Tuesday
WORKERS = 3
MINUTES = 10
TICKS = (0, 15, 30, 45)  # seconds into each minute at which every worker asks


@pytest.fixture
def counted_sweeps(monkeypatch):
    """Count the real sweeps (the clock each ran at), still running them."""
    real = sweep_module.sweep_deadlines
    runs: list[datetime] = []
    lock = threading.Lock()

    def counting(now=None, batch=sweep_module.BATCH):
        with lock:
            runs.append(now)
        return real(now, batch)

    monkeypatch.setattr(sweep_module, "sweep_deadlines", counting)
    return runs


def _deadlines_coming_due(world, count):
    """Register complaints whose deadlines come near and overdue at different simulated minutes."""
    cases = []
    for k in range(count):
        case = services.register_contact(
            world.clerk,
            estate=world.estate,
            channel="phone",
            category="complaint",
            severity="important",
            content=f"楼道灯坏了第{k}次反映",
        ).case
        Deadline.objects.filter(case=case, state=DeadlineState.RUNNING).update(
            started_at=T0 - timedelta(hours=1),
            near_at=T0 + timedelta(minutes=2 * k, seconds=10),
            due_at=T0 + timedelta(minutes=2 * k + 1, seconds=10),
            final_at=T0 + timedelta(days=1),
            next_check_at=T0 + timedelta(minutes=2 * k, seconds=10),
            level=0,
        )
        cases.append(case)
    return cases


def test_three_workers_sweep_exactly_once_a_minute_and_a_killed_leader_is_replaced(
    live_world, counted_sweeps, settings
):
    settings.SHOUWEN_SWEEP_SECONDS = 60
    settings.SHOUWEN_QUIET_HOURS = ""
    cases = _deadlines_coming_due(live_world, 4)
    notifications_before = Notification.objects.count()
    alive = [True] * WORKERS
    results: dict[tuple[int, int, int], dict[str, int]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(WORKERS, timeout=60)
    killed: list[str] = []

    def worker(i: int) -> None:
        try:
            for minute in range(MINUTES):
                for tick in TICKS:
                    barrier.wait()  # all workers ask at the same simulated moment: the race
                    if minute == 5 and tick == 0 and i == 0:
                        # Kill the leader of minute 4 (whoever it is) before minute 5 is asked for.
                        holder = Lease.objects.get(name=SWEEP_LEASE).holder
                        killed.append(holder)
                        alive[int(holder[1:])] = False
                    barrier.wait()
                    if not alive[i]:
                        continue
                    now = T0 + timedelta(minutes=minute, seconds=tick, milliseconds=37 * i)
                    results[(minute, tick, i)] = sweep_deadlines_once(now=now, holder=f"w{i}")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors

    # Ten sweeps, one in each simulated minute, whoever ran them.
    minutes = sorted(int((now - T0).total_seconds() // 60) for now in counted_sweeps)
    assert minutes == list(range(MINUTES))
    ran = Counter(key[0] for key, value in results.items() if value["ran"])
    assert ran == Counter({m: 1 for m in range(MINUTES)})
    # The killed leader swept nothing after minute 4; a survivor swept minute 5, once its lease expired.
    assert len(killed) == 1
    dead = int(killed[0][1:])
    assert not any(value["ran"] for (m, _t, i), value in results.items() if i == dead and m >= 5)
    takeover = [(t, i) for (m, t, i), value in results.items() if m == 5 and value["ran"]]
    assert len(takeover) == 1 and takeover[0][1] != dead and takeover[0][0] < 60

    # Every deadline reached "overdue" once: one escalation per person, one notification per message.
    for case in cases:
        for d in Deadline.objects.filter(case=case):
            assert d.level == 2
    escalations = Counter(Escalation.objects.values_list("deadline_id", "level", "target_id"))
    assert escalations and max(escalations.values()) == 1
    assert {level for _d, level, _t in escalations} == {2}
    sent = Counter(
        Notification.objects.exclude(kind="info").values_list("recipient_id", "case_id", "kind", "title")
    )
    assert sent and max(sent.values()) == 1, [k for k, v in sent.items() if v > 1]
    # (A reminder is skipped where the sweep first sees a deadline already overdue: the takeover minute.)
    overdue = set(Notification.objects.filter(kind="overdue").values_list("case_id", flat=True))
    assert overdue == {c.pk for c in cases}
    assert Notification.objects.count() > notifications_before
