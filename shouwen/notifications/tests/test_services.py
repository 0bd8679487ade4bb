"""notify() and deliver_pending(): the in-app row, queued copies, quiet hours, real SMTP, failures, races."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from shouwen.core.sms import LogSmsBackend
from shouwen.core.testing import free_port
from shouwen.env import parse_time_range
from shouwen.notifications import services
from shouwen.notifications.models import Delivery, Notification
from shouwen.notifications.services import deliver_pending, mark_read, notify

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_notify_creates_the_in_app_row_and_queues_the_email(world, give_contact, no_quiet_hours):
    clerk = give_contact(world.clerk, "wangli@example.com")
    n = notify(
        clerk, title="LJY-20260310-0001 维修时限将到", body="卫生间漏水", kind="near_due", url="/cases/x/"
    )
    n.refresh_from_db()
    assert (n.recipient, n.kind, n.title, n.read_at) == (
        clerk,
        "near_due",
        "LJY-20260310-0001 维修时限将到",
        None,
    )
    assert n.email_status == Delivery.PENDING and n.email_deliver_after is None
    assert n.sms_status == Delivery.NONE  # SMS only when asked for


def test_notify_queues_sms_only_when_asked_and_there_is_a_phone(world, give_contact, no_quiet_hours):
    tech = give_contact(world.technician, "", phone="13700001234")
    n = notify(tech, title="电梯困人", sms=True, urgent=True)
    assert n.sms_status == Delivery.PENDING
    assert n.email_status == Delivery.NONE  # no e-mail address: in-app only
    assert notify(world.clerk, title="无电话", sms=True).sms_status == Delivery.NONE


def test_staff_who_left_get_nothing_outside_the_app(world, give_contact, no_quiet_hours):
    clerk = give_contact(world.clerk, "wangli@example.com", "13700001234")
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    n = notify(clerk, title="通知", sms=True)
    assert (n.email_status, n.sms_status) == (Delivery.NONE, Delivery.NONE)
    assert Notification.objects.filter(recipient=clerk).count() == 1


def test_quiet_hours_hold_a_non_urgent_email_until_seven_and_let_an_urgent_one_through(
    world, give_contact, settings
):
    settings.SHOUWEN_QUIET_HOURS = "22:00-07:00"
    clerk = give_contact(world.clerk, "wangli@example.com")
    with time_machine.travel(at(2026, 3, 10, 23, 30), tick=False):
        routine = notify(clerk, title="普通提醒")
        urgent = notify(clerk, title="燃气泄漏", urgent=True)
        assert routine.email_status == Delivery.HELD
        assert routine.email_deliver_after == at(2026, 3, 11, 7, 0)
        assert urgent.email_status == Delivery.PENDING and urgent.email_deliver_after is None

        assert deliver_pending()["email_sent"] == 1
        assert [m.subject for m in mail.outbox] == ["燃气泄漏"]
    with time_machine.travel(at(2026, 3, 11, 6, 59), tick=False):
        assert deliver_pending()["email_sent"] == 0
    with time_machine.travel(at(2026, 3, 11, 7, 0), tick=False):
        assert deliver_pending()["email_sent"] == 1
    assert [m.subject for m in mail.outbox] == ["燃气泄漏", "普通提醒"]
    routine.refresh_from_db()
    assert routine.email_status == Delivery.SENT and routine.email_sent_at is not None


def test_after_midnight_the_quiet_period_ends_the_same_morning(settings):
    settings.SHOUWEN_QUIET_HOURS = "22:00-07:00"
    assert services.quiet_hours_end(at(2026, 3, 11, 2, 15)) == at(2026, 3, 11, 7, 0)
    assert services.quiet_hours_end(at(2026, 3, 11, 7, 0)) is None
    assert services.quiet_hours_end(at(2026, 3, 11, 21, 59)) is None
    settings.SHOUWEN_QUIET_HOURS = "12:00-14:00"  # a lunch break within one day
    assert services.quiet_hours_end(at(2026, 3, 11, 12, 30)) == at(2026, 3, 11, 14, 0)
    settings.SHOUWEN_QUIET_HOURS = ""
    assert services.quiet_hours_end(at(2026, 3, 11, 23, 0)) is None


def test_a_pending_email_found_during_quiet_hours_waits_for_the_morning(world, give_contact, settings):
    """Queued in the evening while the worker was down: it must not go out at midnight."""
    settings.SHOUWEN_QUIET_HOURS = "22:00-07:00"
    clerk = give_contact(world.clerk, "wangli@example.com")
    n = notify(clerk, title="晚间提醒", now=at(2026, 3, 10, 21, 0))
    assert n.email_status == Delivery.PENDING
    result = deliver_pending(now=at(2026, 3, 10, 23, 50))
    assert (result["email_sent"], result["email_held"]) == (0, 1)
    n.refresh_from_db()
    assert (n.email_status, n.email_deliver_after) == (Delivery.HELD, at(2026, 3, 11, 7, 0))


@pytest.mark.parametrize("raw", ["22-07", "22:00", "25:00-07:00", "22:00-07:60", "07:00-07:00", "night"])
def test_bad_quiet_hours_fail_loudly(raw):
    with pytest.raises(ImproperlyConfigured):
        parse_time_range("SHOUWEN_QUIET_HOURS", raw)


def test_quiet_hours_parse():
    from datetime import time

    assert parse_time_range("X", " 22:00 - 7:30 ") == (time(22, 0), time(7, 30))
    assert parse_time_range("X", "") is None


def test_deliver_pending_sends_through_a_real_smtp_server(
    world, give_contact, smtp_settings, no_quiet_hours, settings
):
    settings.SHOUWEN_SITE_URL = "https://kefu.example.com"
    clerk = give_contact(world.clerk, "wangli@example.com")
    n = notify(
        clerk,
        title="LJY-20260310-0001 报修已超时，请督办",
        body="3栋2单元1502 卫生间漏水",
        url="/cases/LJY-20260310-0001/",
    )

    assert deliver_pending() == {
        "email_sent": 1,
        "email_retrying": 0,
        "email_failed": 0,
        "email_held": 0,
        "sms_sent": 0,
        "sms_retrying": 0,
        "sms_failed": 0,
        "sms_held": 0,
    }
    assert smtp_settings.wait_for(1, timeout=10)
    message = smtp_settings.messages[0]
    # Python folds a long encoded subject onto the next line; unfolding leaves a leading space.
    assert message["subject"].strip() == "LJY-20260310-0001 报修已超时，请督办"
    assert smtp_settings.recipients == [["wangli@example.com"]]
    text = message.get_content()
    assert "卫生间漏水" in text
    assert "https://kefu.example.com/cases/LJY-20260310-0001/" in text
    n.refresh_from_db()
    assert n.email_status == Delivery.SENT
    assert deliver_pending()["email_sent"] == 0  # sent once only


def test_without_a_retry_window_a_failing_smtp_server_marks_the_email_failed_without_raising(
    world, give_contact, settings, no_quiet_hours
):
    settings.SHOUWEN_DELIVERY_RETRY_MINUTES = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    clerk = give_contact(world.clerk, "wangli@example.com", "13700001234")
    n = notify(clerk, title="通知", sms=True)

    result = deliver_pending()
    assert (result["email_sent"], result["email_failed"], result["sms_sent"]) == (0, 1, 1)
    n.refresh_from_db()
    assert n.email_status == Delivery.FAILED
    assert "ConnectionRefusedError" in n.email_error
    assert n.sms_status == Delivery.SENT  # one channel failing does not hold back the other
    assert deliver_pending()["email_failed"] == 0  # failed copies are not retried over and over


def test_sms_goes_through_the_configured_backend(world, give_contact, no_quiet_hours):
    tech = give_contact(world.technician, phone="13700001234")
    before = len(LogSmsBackend.sent)
    notify(tech, title="3栋电梯困人", body="请立即到场", sms=True, urgent=True)
    assert deliver_pending()["sms_sent"] == 1
    assert LogSmsBackend.sent[before:] == [("13700001234", "3栋电梯困人\n请立即到场")]


def test_a_copy_left_sending_by_a_dead_worker_is_sent_again_once_its_claim_expires(
    world, give_contact, no_quiet_hours, settings
):
    settings.SHOUWEN_DELIVERY_CLAIM_SECONDS = 300
    clerk = give_contact(world.clerk, "wangli@example.com")
    n = notify(clerk, title="通知", now=at(2026, 3, 10, 9, 0))
    # A worker claimed it, then died mid-send (its claim stays behind).
    assert services._claim(services.CHANNELS["email"], n.pk, at(2026, 3, 10, 9, 0), "dead-host:1:abc")
    assert deliver_pending(now=at(2026, 3, 10, 9, 4))["email_sent"] == 0  # may still be sending
    assert mail.outbox == []
    assert deliver_pending(now=at(2026, 3, 10, 9, 5, 1))["email_sent"] == 1  # the claim expired
    assert [m.subject for m in mail.outbox] == ["通知"]
    n.refresh_from_db()
    assert (n.email_status, n.email_attempts) == (Delivery.SENT, 2)
    assert n.email_claim != "dead-host:1:abc"
    # The same Message-ID at every try: a message cut off after the server took it is one message.
    assert mail.outbox[0].extra_headers["Message-ID"] == services.message_id(n)
    assert deliver_pending(now=at(2026, 3, 10, 9, 30))["email_sent"] == 0  # never again
    assert len(mail.outbox) == 1


def test_a_late_worker_does_not_overwrite_the_record_of_the_worker_that_took_its_copy_over(
    world, give_contact, no_quiet_hours
):
    email = services.CHANNELS["email"]
    clerk = give_contact(world.clerk, "wangli@example.com")
    n = notify(clerk, title="通知", now=at(2026, 3, 10, 9, 0))
    assert services._claim(email, n.pk, at(2026, 3, 10, 9, 0), "slow")
    assert not services._claim(email, n.pk, at(2026, 3, 10, 9, 1), "other")  # still the slow one's
    assert services._claim(email, n.pk, at(2026, 3, 10, 9, 6), "other")  # its claim expired
    assert services._mark(email, n.pk, "other", email_status=Delivery.SENT)
    # The slow worker's failure record comes too late: it changes nothing.
    assert not services._mark(email, n.pk, "slow", email_status=Delivery.FAILED, email_error="timeout")
    n.refresh_from_db()
    assert (n.email_status, n.email_error, n.email_claim) == (Delivery.SENT, "", "other")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_send_each_email_once(give_contact, monkeypatch, no_quiet_hours):
    from shouwen.core.testing import make_world

    world = make_world()
    clerk = give_contact(world.clerk, "wangli@example.com")
    ids = [notify(clerk, title=f"通知 {i}").pk for i in range(3)]
    # Both workers list the same due rows before either claims one: the race the claim must settle.
    barrier = threading.Barrier(2, timeout=20)
    listed = services._due_ids

    def due_ids_then_wait(channel, now):
        found = listed(channel, now)
        if channel.name == "email":
            barrier.wait()
        return found

    monkeypatch.setattr(services, "_due_ids", due_ids_then_wait)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(deliver_pending())
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    assert sorted(r["email_sent"] for r in results) in ([0, 3], [1, 2])
    assert sum(r["email_sent"] for r in results) == 3
    assert sorted(m.subject for m in mail.outbox) == ["通知 0", "通知 1", "通知 2"]
    assert set(Notification.objects.filter(pk__in=ids).values_list("email_status", flat=True)) == {
        Delivery.SENT
    }


def test_mark_read_touches_only_my_notifications(world):
    mine = [notify(world.clerk, title=f"通知 {i}", email=False) for i in range(3)]
    other = notify(world.technician, title="别人的", email=False)
    assert mark_read(world.clerk, [mine[0].pk, other.pk]) == 1
    other.refresh_from_db()
    assert other.read_at is None
    assert mark_read(world.clerk, "all") == 2
    assert mark_read(world.clerk, "all") == 0
    assert services.unread_count(world.clerk) == 0
    assert services.unread_count(world.technician) == 1


def test_an_unknown_kind_is_a_programming_error(world):
    with pytest.raises(ValueError):
        notify(world.clerk, title="通知", kind="gossip")


@time_machine.travel(datetime(2026, 3, 2, 9, 0, 20, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_a_sweeps_burst_of_escalations_is_one_line_but_an_urgent_one_keeps_its_own(world):
    supervisor = world.supervisor
    cases = [world.register(content=f"第{i}号投诉") for i in range(5)]
    for case in cases[:4]:
        notify(supervisor, title=f"{case.number} 已超时", case=case, kind="overdue", email=False)
    notify(supervisor, title="重大投诉已超时", case=cases[4], kind="overdue", urgent=True, email=False)
    notify(supervisor, title="转办", case=cases[0], kind="handover", email=False)
    notify(supervisor, title=f"{cases[3].number} 已超时", case=cases[3], kind="overdue", email=False)
    assert services.unread_count(supervisor) == 3  # the burst, the urgent one, the handover
    rows = Notification.objects.filter(recipient=supervisor).order_by("-created_at", "-pk")
    groups = services.group_rows(rows)
    assert sorted(len(g.ids) for g in groups) == [1, 1, 5]  # the urgent line does not split the burst
    burst = next(g for g in groups if len(g.ids) == 5)
    assert sorted(services.same_group(burst.latest)) == sorted(burst.ids)
    mark_read(supervisor, services.same_group(burst.latest))
    assert services.unread_count(supervisor) == 2


def test_one_run_sends_over_one_connection_and_records_each_send_before_closing_it(
    live_world, give_contact, no_quiet_hours, settings
):
    """The moment between the server accepting a message and its record excludes SMTP's QUIT."""
    import asyncio

    from aiosmtpd.controller import Controller

    from conftest import Collector

    class Watcher(Collector):
        def __init__(self) -> None:
            super().__init__()
            self.at_quit: list[list[str]] = []

        async def handle_QUIT(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            def states() -> list[str]:
                try:
                    mine = Notification.objects.filter(title__startswith="连接测试 ")
                    return sorted(mine.values_list("email_status", flat=True))
                finally:
                    connection.close()

            self.at_quit.append(await asyncio.to_thread(states))
            return "221 Bye"

    watcher = Watcher()
    port = free_port()
    controller = Controller(watcher, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
        settings.EMAIL_USE_TLS = False
        clerk = give_contact(live_world.clerk, "wangli@example.com")
        for i in range(3):
            notify(clerk, title=f"连接测试 {i}")
        assert deliver_pending()["email_sent"] == 3
    finally:
        controller.stop()
    assert len(watcher.messages) == 3
    assert watcher.at_quit == [[Delivery.SENT] * 3]  # one connection, all three recorded before it closed
