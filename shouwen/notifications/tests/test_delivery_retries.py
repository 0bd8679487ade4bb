"""A mail server that is down is retried with growing waits; it counts as failed only after the window.

The SMTP server is real (aiosmtpd on loopback): first nothing listens on its port, then it starts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from conftest import Collector
from shouwen.core.testing import free_port
from shouwen.notifications.models import Delivery, Notification
from shouwen.notifications.services import deliver_pending, notify, retry_wait
from shouwen.notifications.tasks import DeliveryFailed, deliver_notifications_task

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def smtp_down(settings, no_quiet_hours):
    """Point e-mail at a loopback port where no server listens yet; yields the port."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SHOUWEN_DELIVERY_RETRY_MINUTES = 10
    settings.SHOUWEN_DELIVERY_RETRY_FIRST_SECONDS = 30
    settings.SHOUWEN_DELIVERY_RETRY_MAX_SECONDS = 120
    return port


def test_the_wait_between_tries_doubles_up_to_the_longest(settings):
    settings.SHOUWEN_DELIVERY_RETRY_FIRST_SECONDS = 30
    settings.SHOUWEN_DELIVERY_RETRY_MAX_SECONDS = 120
    assert [retry_wait(n).total_seconds() for n in (1, 2, 3, 4, 50)] == [30, 60, 120, 120, 120]


def test_an_email_is_retried_while_the_mail_server_is_down_and_sent_once_when_it_is_back(
    world, give_contact, smtp_down
):
    clerk = give_contact(world.clerk, "wangli@example.com")
    n = notify(clerk, title="LJY-20260310-0001 报修已超时，请督办", now=T0)

    first = deliver_pending(now=T0)
    assert (first["email_sent"], first["email_retrying"], first["email_failed"]) == (0, 1, 0)
    n.refresh_from_db()
    assert n.email_status == Delivery.RETRYING
    assert n.email_attempts == 1
    assert n.email_first_try_at == T0
    assert n.email_deliver_after == T0 + timedelta(seconds=30)
    assert "ConnectionRefusedError" in n.email_error

    # Before its wait is over the copy is left alone.
    assert deliver_pending(now=T0 + timedelta(seconds=10))["email_retrying"] == 0
    second = deliver_pending(now=T0 + timedelta(seconds=31))
    assert second["email_retrying"] == 1
    n.refresh_from_db()
    assert (n.email_attempts, n.email_deliver_after) == (2, T0 + timedelta(seconds=91))

    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=smtp_down, ready_timeout=10)
    controller.start()
    try:
        third = deliver_pending(now=T0 + timedelta(seconds=95))
        assert (third["email_sent"], third["email_retrying"], third["email_failed"]) == (1, 0, 0)
        assert collector.wait_for(1, timeout=10)
        assert deliver_pending(now=T0 + timedelta(minutes=30))["email_sent"] == 0
        assert len(collector.messages) == 1  # sent once, never again
    finally:
        controller.stop()
    n.refresh_from_db()
    assert n.email_status == Delivery.SENT
    assert n.email_attempts == 3


def test_an_email_fails_for_good_only_after_the_retry_window_and_the_task_says_so(
    world, give_contact, smtp_down, client_for
):
    clerk = give_contact(world.clerk, "wangli@example.com")
    n = notify(clerk, title="LJY-20260310-0002 投诉升级督办", now=T0)

    now, tries = T0, 0
    while Notification.objects.get(pk=n.pk).email_status == Delivery.RETRYING or tries == 0:
        n.refresh_from_db()
        now = max(now, n.email_deliver_after or now)
        result = deliver_pending(now=now)
        tries += 1
        assert result["email_sent"] == 0
        assert tries < 20, "the retries must end"
    n.refresh_from_db()
    assert n.email_status == Delivery.FAILED
    # Waits 30 s, 60 s, then 120 s each: the try whose next wait would pass the 10 minutes is the last.
    assert n.email_attempts == tries == 7
    assert now - T0 < timedelta(minutes=10)
    assert "ConnectionRefusedError" in n.email_error

    # A later delivery run does not retry a failed copy; a run that fails a copy for good fails the task.
    assert deliver_pending(now=now + timedelta(hours=1))["email_failed"] == 0
    other = notify(clerk, title="另一条通知")
    Notification.objects.filter(pk=other.pk).update(
        email_status=Delivery.RETRYING,
        email_attempts=6,
        email_first_try_at=T0 - timedelta(hours=1),
        email_deliver_after=T0,
    )
    with pytest.raises(DeliveryFailed, match="email_failed"):
        deliver_notifications_task.call()

    # The administrator finds both in the admin under "发送失败".
    page = client_for(world.staff["admin"]).get("/admin/notifications/notification/?delivery=failed")
    assert page.status_code == 200
    text = page.content.decode()
    assert "LJY-20260310-0002 投诉升级督办" in text and "另一条通知" in text
    assert "ConnectionRefusedError" in text
    retrying = client_for(world.staff["admin"]).get("/admin/notifications/notification/?delivery=retrying")
    assert "投诉升级督办" not in retrying.content.decode()


def test_quiet_hours_postpone_a_non_urgent_retry_but_keep_it_retrying(
    world, give_contact, smtp_down, settings
):
    clerk = give_contact(world.clerk, "wangli@example.com")
    n = notify(clerk, title="通知", now=T0)
    deliver_pending(now=T0)
    settings.SHOUWEN_QUIET_HOURS = "10:00-12:00"
    assert deliver_pending(now=T0 + timedelta(minutes=1))["email_retrying"] == 0
    n.refresh_from_db()
    assert n.email_status == Delivery.RETRYING
    assert n.email_deliver_after == T0 + timedelta(hours=2)


def test_a_mail_server_that_cannot_be_reached_is_tried_once_per_run_not_once_per_copy(
    world, give_contact, smtp_down
):
    clerk = give_contact(world.clerk, "wangli@example.com")
    first = notify(clerk, title="第一条", now=T0)
    second = notify(clerk, title="第二条", now=T0)

    result = deliver_pending(now=T0)
    assert (result["email_retrying"], result["email_sent"]) == (1, 0)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.email_attempts, second.email_attempts) == (1, 0)
    assert second.email_status == Delivery.PENDING  # untouched: tried at the next run

    deliver_pending(now=T0 + timedelta(seconds=5))
    second.refresh_from_db()
    assert (second.email_status, second.email_attempts) == (Delivery.RETRYING, 1)


def test_one_delivery_run_stops_after_its_time_and_the_next_goes_on(
    world, give_contact, settings, no_quiet_hours, monkeypatch
):
    import shouwen.notifications.services as services

    settings.SHOUWEN_DELIVERY_RUN_SECONDS = 1
    clerk = give_contact(world.clerk, "wangli@example.com")
    for i in range(3):
        notify(clerk, title=f"通知 {i}")
    # The run starts at 0 s; the first copy is sent at 0.5 s, the next would be at 5 s, past the run's time.
    readings = [0.0, 0.5]
    monkeypatch.setattr(services.time, "monotonic", lambda: readings.pop(0) if readings else 5.0)
    assert deliver_pending()["email_sent"] == 1
    monkeypatch.undo()
    assert deliver_pending()["email_sent"] == 2


def test_the_sweep_goes_before_waiting_deliveries_in_the_queue(db):
    import time_machine
    from django_tasks_db.models import DBTaskResult

    from shouwen.notifications.management.commands.worker import enqueue_periodic
    from shouwen.notifications.tasks import sweep_deadlines_task

    deliver_notifications_task.enqueue()  # a delivery already waiting
    with time_machine.travel(datetime(2026, 3, 10, 2, 0, tzinfo=UTC), tick=False):  # 10:00 in Shanghai
        # the sweep, the WeChat pushes, the notices' and surveys' texts (the delivery is waiting already), the
        # monthly-summary reminder, the nightly upkeep and the mailbox poll
        assert enqueue_periodic() == 7
    assert DBTaskResult.objects.ready().first().task_path == sweep_deadlines_task.module_path
