"""In a real browser at 1366×768: a supervisor works the overdue repairs of the estate and the holders' bells ring."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from shouwen.cases import services
from shouwen.cases.models import Case
from shouwen.notifications.models import Notification

pytestmark = pytest.mark.browser


def test_supervisor_filters_overdue_repairs_sorts_by_lateness_bulk_reassigns_two_and_chases_a_third(
    live_server, live_world, page, sign_in
):
    world = live_world
    repairs = []
    for days in (5, 4, 3):  # handed to engineering and never accepted: the first is the most overdue
        with time_machine.travel(timezone.now() - timedelta(days=days), tick=False):
            case = world.register(category="public_repair", content=f"3栋电梯异响 {days}天前", resident=None)
            services.hand_over(
                world.clerk, case, to_department=world.departments["engineering"], note="请检修"
            )
            repairs.append(case)
    world.register(content="楼上装修噪音")  # a complaint on time: filtered out
    base = live_server.url
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, base, "kfzg")

    # The estate's overdue repairs, most overdue first.
    page.goto(base + "/cases/?queue=overdue")
    page.select_option("form.filters select[name=category]", "public_repair")
    page.select_option("form.filters select[name=sort]", "overdue")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("tr.case-row")
    assert [rows.nth(i).get_attribute("data-number") for i in range(rows.count())] == [
        c.number for c in repairs
    ]
    assert "超时" in rows.nth(0).inner_text() and "待接收" in rows.nth(0).inner_text()

    # The two most overdue go to the technician at once.
    for case in repairs[:2]:
        page.check(f"input[name=numbers][value='{case.number}']")
    page.select_option("#bulk select[name=to_staff]", str(world.technician.pk))
    page.fill("#bulk input[name=note]", "刘师傅今天集中处理")
    page.click("#bulk button[type=submit]")
    page.wait_for_load_state()
    assert "已指派给 刘师傅" in page.content()

    # The third is chased from its page.
    page.goto(base + f"/cases/{repairs[2].number}/")
    page.click("details.action summary:has-text('催办')")
    page.fill("form[data-action=chase] textarea[name=note]", "住户第三次来电，请今天答复")
    page.click("form[data-action=chase] button[type=submit]")
    page.wait_for_load_state()
    assert "住户第三次来电，请今天答复" in page.inner_text("#timeline")
    for case in repairs[:2]:
        assert Case.objects.get(pk=case.pk).accountable == world.technician

    # Each holder's bell shows what happened.
    for login, expected in (
        ("jishu", [f"指派 {c.number} 由您处理" for c in repairs[:2]]),
        ("qiantai", [f"催办 {repairs[2].number}", f"已将 {repairs[0].number} 指派给 刘师傅"]),
    ):
        page.click(".userbox button:has-text('退出')")
        sign_in(page, base, login)
        assert page.inner_text("#bell-count") != ""
        page.click("#bell")
        page.wait_for_load_state()
        listed = page.inner_text("table.notifications")
        for text in expected:
            assert text in listed, (login, text)
    assert Notification.objects.filter(recipient=world.clerk, kind="chased").count() == 1
