"""The bell, my notifications page, opening one and marking all read."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shouwen.notifications.models import Notification
from shouwen.notifications.services import notify


def bell_count(html: str) -> str | None:
    match = re.search(r'id="bell-count">(\d+)<', html)
    return match.group(1) if match else None


def test_the_bell_shows_my_unread_count_on_every_page(world, client_for):
    for i in range(3):
        notify(world.clerk, title=f"通知 {i}", email=False)
    read = notify(world.clerk, title="已读的", email=False)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    notify(world.technician, title="别人的", email=False)
    client = client_for(world.clerk)
    assert bell_count(client.get(reverse("core:home")).content.decode()) == "3"
    assert bell_count(client.get(reverse("cases:queue")).content.decode()) == "3"


def test_no_count_when_everything_is_read(world, client_for):
    page = client_for(world.clerk).get(reverse("core:home")).content.decode()
    assert 'id="bell"' in page
    assert bell_count(page) is None


def test_the_bell_costs_one_count_query(world, client_for):
    notify(world.clerk, title="通知", email=False)
    client = client_for(world.clerk)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("core:home"))
    counts = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1
    assert "COUNT(" in counts[0].upper()


def test_my_notifications_page_lists_only_mine_newest_first(world, client_for):
    notify(world.clerk, title="较早的通知", email=False)
    newest = notify(world.clerk, title="最新的通知", email=False)
    notify(world.technician, title="刘师傅的通知", email=False)
    page = client_for(world.clerk).get(reverse("notifications:list")).content.decode()
    assert "最新的通知" in page and "较早的通知" in page
    assert "刘师傅的通知" not in page
    assert page.index("最新的通知") < page.index("较早的通知")
    assert re.search(rf'<tr class="unread"[^>]*id="notification-{newest.pk}"', page)


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(world, client_for):
    n = notify(world.clerk, title="事项超时", url="/cases/LJY-20260310-0001/", email=False)
    response = client_for(world.clerk).post(reverse("notifications:read", args=[n.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/cases/LJY-20260310-0001/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_a_link_off_the_site_is_never_followed(world, client_for):
    n = notify(world.clerk, title="奇怪的链接", url="https://evil.example/", email=False)
    response = client_for(world.clerk).post(reverse("notifications:read", args=[n.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_someone_elses_notification_is_not_found(world, client_for):
    n = notify(world.technician, title="别人的", email=False)
    client = client_for(world.clerk)
    assert client.post(reverse("notifications:read", args=[n.pk])).status_code == 404
    assert client.get(reverse("notifications:read", args=[n.pk])).status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read(world, client_for):
    for i in range(2):
        notify(world.clerk, title=f"通知 {i}", email=False)
    other = notify(world.technician, title="别人的", email=False)
    client = client_for(world.clerk)
    assert "全部标为已读" in client.get(reverse("notifications:list")).content.decode()
    response = client.post(reverse("notifications:read_all"), follow=True)
    page = response.content.decode()
    assert "已将 2 条通知标为已读" in page
    assert bell_count(page) is None
    assert not Notification.objects.filter(recipient=world.clerk, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_anonymous_visitors_are_sent_to_sign_in(db, client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
