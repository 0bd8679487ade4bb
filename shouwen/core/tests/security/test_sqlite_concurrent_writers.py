"""Attack 12: the embedded database locked everyone out.

While one registration with a 400,000-character text was being written on SQLite, the worker's
e-mail delivery failed with "database is locked", and the registration itself answered 500.
Now a text is checked and segmented for search before the write transaction opens (which is
short and takes the write lock at BEGIN IMMEDIATE, waiting up to the busy timeout), and the
worker's writes wait and try again instead of failing. Several writers at once (registrations
with long texts at the limit through the API, and the worker's delivery and deadline sweep)
meet no locked database and lose no notification; the same test runs on PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from shouwen.cases.models import Case
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.notifications.models import Delivery, Notification
from shouwen.notifications.services import deliver_pending, notify
from shouwen.sla.models import DeadlinePolicy
from shouwen.sla.seed import seed_policies
from shouwen.sla.sweep import sweep_deadlines

WRITERS = ("front_desk", "cs_assistant", "cs_supervisor")
REGISTRATIONS = 2  # per writer
# A complaint letter at the length limit, written the way people write (so segmenting it is quick).
LETTER = (
    "业主来函：楼上住户长期在夜间装修，电钻噪音严重影响休息，物业多次上门劝阻无效，要求尽快处理并书面答复。"
    * 500
)[:LONG_TEXT_MAX]


@pytest.fixture
def mail(settings, smtp_server):
    """Staff e-mail through SMTP to a server on loopback, at any hour."""
    collector, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SHOUWEN_QUIET_HOURS = ""
    return collector


def in_thread(work: Callable[[], Any], errors: list[BaseException]) -> threading.Thread:
    """Return a thread running ``work`` on its own database connection, keeping what it raises."""

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run, daemon=True)


def test_registrations_and_the_worker_together_meet_no_locked_database(
    live_world, api_for, mail, monkeypatch
):
    world = live_world
    if not DeadlinePolicy.objects.exists():  # a transactional test starts from a flushed database
        seed_policies(DeadlinePolicy)
    # Segmenting long text holds no transaction: every cut of more than a case number is made
    # outside one (recorded from the threads, the real function does the work).
    cut_in_transaction: list[int] = []
    from shouwen.cases.search import segment_for_index as real_segment

    def watched(*texts: str) -> str:
        if connection.in_atomic_block and sum(len(t) for t in texts) > 100:
            cut_in_transaction.append(sum(len(t) for t in texts))
        return real_segment(*texts)

    from shouwen.cases import intake, lib

    for module in (intake, lib):  # the modules of the services that cut text for search
        monkeypatch.setattr(module, "segment_for_index", watched)
    real_segment("预热")  # jieba loads its dictionary once per process, as a server does at its first request

    clients = {role: api_for(world.staff[role]) for role in WRITERS}
    replies: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    writers_done = threading.Event()

    def register(role: str) -> None:
        for i in range(REGISTRATIONS):
            body = {
                "estate": world.estate.pk,
                "channel": "letter",
                "category": "complaint",
                "severity": "major",  # reported to the office director at once: a notification each
                "content": f"{i}号来函。{LETTER}"[:LONG_TEXT_MAX],
                "resident": world.residents["owner"].pk,
            }
            response = clients[role].post("/api/v1/cases/", body, format="json")
            replies.append((response.status_code, response.content.decode()[:300]))
        if role == WRITERS[0]:  # the attack's 400,000 characters, refused at once
            attack = {**body, "content": "漏" * 400_000}
            response = clients[role].post("/api/v1/cases/", attack, format="json")
            replies.append((response.status_code, response.content.decode()[:300]))

    sent_by_worker: list[int] = []

    def worker() -> None:
        later = timezone.now() + timedelta(days=30)  # every deadline of the new cases escalates
        while not writers_done.is_set():
            sent_by_worker.append(notify(world.supervisor, title="值班提醒").pk)
            deliver_pending()
            sweep_deadlines(now=later)
            time.sleep(0.05)

    writers = [in_thread(lambda role=role: register(role), errors) for role in WRITERS]
    background = in_thread(worker, errors)
    background.start()
    for t in writers:
        t.start()
    for t in writers:
        t.join(timeout=300)
    writers_done.set()
    background.join(timeout=300)
    assert not any(t.is_alive() for t in [*writers, background]), "a thread did not finish"

    assert errors == []
    statuses = sorted(status for status, _body in replies)
    assert statuses == [201] * (len(WRITERS) * REGISTRATIONS) + [400], replies
    assert not any("locked" in body for _status, body in replies)
    assert Case.objects.count() == len(WRITERS) * REGISTRATIONS
    assert cut_in_transaction == []
    # Nothing lost: every e-mail copy is sent and arrived, none failed or waits.
    deliver_pending()
    wanted = Notification.objects.exclude(email_status=Delivery.NONE)
    assert wanted.count() > len(WRITERS) * REGISTRATIONS  # the reports, the escalations, the reminders
    assert set(wanted.values_list("email_status", flat=True)) == {Delivery.SENT}
    assert set(sent_by_worker) <= set(wanted.values_list("pk", flat=True))
    assert mail.wait_for(wanted.count(), timeout=30)
    assert len(mail.messages) == wanted.count()


def test_the_worker_waits_for_a_writer_holding_the_database_and_then_sends(live_world, mail, caplog):
    world = live_world
    note = notify(world.supervisor, title="请督办 LJY-20261202-0001")
    errors: list[BaseException] = []
    holding = threading.Event()

    def long_writer() -> None:
        # A write transaction held open for a while (on SQLite it takes the database's write lock).
        with transaction.atomic():
            list(Notification.objects.select_for_update().filter(pk=note.pk))
            Case.objects.filter(pk=-1).update(summary="")
            holding.set()
            time.sleep(1.5)

    def worker() -> None:
        holding.wait(timeout=30)
        if connection.vendor == "sqlite":
            # Give up waiting almost at once, so the retry (not the busy timeout) has to carry it.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 100")
        deliver_pending()

    threads = [in_thread(long_writer, errors), in_thread(worker, errors)]
    with caplog.at_level(logging.WARNING, logger="shouwen.retry"):
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert errors == []
    note.refresh_from_db()
    assert note.email_status == Delivery.SENT and note.email_error == ""
    assert mail.wait_for(1, timeout=30) and len(mail.messages) == 1
    if connection.vendor == "sqlite":
        assert any("database locked" in r.getMessage() for r in caplog.records)
