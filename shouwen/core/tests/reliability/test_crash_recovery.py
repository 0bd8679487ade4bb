"""kill -9 of the production server in the middle of a burst of intakes loses no call and doubles none.

Clients retry every registration that was not acknowledged with a 2xx, with the same
Idempotency-Key and the same body, as a tablet on a bad connection would. After the crash and a
restart, every acknowledged case exists exactly once and the accountability invariant holds.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from shouwen.cases.models import Case, Contact, IdempotencyRecord
from shouwen.core.tests.reliability.helpers import assert_accountability_invariant, intake_body, token_for
from shouwen.core.tests.reliability.server import Reply, ServerProcess, request, scale

INTAKES = scale(60, 600)
THREADS = scale(6, 12)
DEADLINE_S = scale(120, 600)
MAX_TRIES = 400  # per registration: a client gives up after this many attempts (the test then fails)


@dataclass
class Ledger:
    """What the clients saw: acknowledgements per key, failed attempts, statuses."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acked: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (status, case number)
    replayed: int = 0
    connection_errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    gave_up: list[str] = field(default_factory=list)

    def ack(self, key: str, reply: Reply) -> None:
        """Record the 2xx answer for the key."""
        with self.lock:
            self.acked[key] = (reply.status, reply.json()["number"])
            if reply.headers.get("idempotent-replayed") == "true":
                self.replayed += 1

    def count(self) -> int:
        """Return how many registrations are acknowledged so far."""
        with self.lock:
            return len(self.acked)


def _client(
    server: ServerProcess, token: str, work: queue.Queue[tuple[str, dict]], ledger: Ledger, stop_at: float
) -> None:
    """Register every (key, body) from the queue, retrying until it is acknowledged or time is up."""
    while True:
        try:
            key, body = work.get_nowait()
        except queue.Empty:
            return
        for attempt in range(MAX_TRIES):
            if time.monotonic() > stop_at:
                ledger.gave_up.append(key)
                return
            try:
                reply = request(
                    server.base_url,
                    "POST",
                    "/api/v1/cases/",
                    token=token,
                    json_body=body,
                    headers={"Idempotency-Key": key},
                    timeout=20,
                )
            except OSError:  # refused while down, reset by the kill, timed out
                with ledger.lock:
                    ledger.connection_errors += 1
                time.sleep(min(0.05 * (attempt + 1), 0.5))
                continue
            with ledger.lock:
                ledger.statuses[reply.status] += 1
            if 200 <= reply.status < 300:
                ledger.ack(key, reply)
                break
            time.sleep(min(0.05 * (attempt + 1), 0.5))
        else:
            ledger.gave_up.append(key)


def test_kill_9_in_the_middle_of_a_burst_loses_and_doubles_no_registration(live_world, tmp_path):
    server = ServerProcess(var_dir=tmp_path / "server", workers=2)
    token = token_for(live_world.clerk)
    work: queue.Queue[tuple[str, dict]] = queue.Queue()
    keys = [f"crash-{i:04d}" for i in range(INTAKES)]
    for i, key in enumerate(keys):
        work.put((key, intake_body(live_world, i)))
    ledger = Ledger()
    t0 = time.monotonic()
    server.start()
    t_started = time.monotonic()
    try:
        stop_at = time.monotonic() + DEADLINE_S
        threads = [
            threading.Thread(target=_client, args=(server, token, work, ledger, stop_at), daemon=True)
            for _ in range(THREADS)
        ]
        for t in threads:
            t.start()
        # Crash once roughly a third are in, while the clients keep sending.
        wait_until = time.monotonic() + 60
        while ledger.count() < INTAKES // 3 and time.monotonic() < wait_until:
            time.sleep(0.01)
        acked_before_crash = ledger.count()
        assert 0 < acked_before_crash < INTAKES, "the burst was over before the crash could hit it"
        t_crash = time.monotonic()
        server.kill()
        time.sleep(0.5)  # clients meet a closed port meanwhile
        server.start()
        t_restarted = time.monotonic()
        for t in threads:
            t.join(timeout=max(1.0, stop_at - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "a client is still retrying after the deadline"
        t_done = time.monotonic()
    finally:
        server.stop()

    assert not ledger.gave_up, f"{len(ledger.gave_up)} registrations never acknowledged:\n{server.log_tail()}"
    assert set(ledger.acked) == set(keys)
    assert ledger.connection_errors > 0, "no request met the crash"
    assert not [s for s in ledger.statuses if s >= 500], (ledger.statuses, server.log_tail())
    # Every acknowledged registration exists exactly once, as the case the client was told.
    records = {
        r.key: r
        for r in IdempotencyRecord.objects.filter(user=live_world.clerk.user).select_related("contact__case")
    }
    assert set(records) == set(keys)
    for key, (_status, number) in ledger.acked.items():
        assert records[key].contact.case is not None
        assert records[key].contact.case.number == number, key
    # Nothing else was registered: no case without its key (a crash rolls both back together).
    assert Case.objects.count() == INTAKES
    assert Contact.objects.count() == INTAKES
    assert Case.objects.values("number").distinct().count() == INTAKES
    assert_accountability_invariant()
    print(
        f"crash: {INTAKES} intakes by {THREADS} clients, crash after {acked_before_crash}; "
        f"{ledger.connection_errors} failed connections, {ledger.replayed} replays, statuses {dict(ledger.statuses)}; "
        f"start {t_started - t0:.1f}s, to crash {t_crash - t_started:.1f}s, restart {t_restarted - t_crash:.1f}s, "
        f"rest {t_done - t_restarted:.1f}s"
    )
