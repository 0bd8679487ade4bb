"""On a phone (390×844): a resident signs in with a text-message code, reports a leak with a photo,
sees it registered with its number, follows the handover, answers the return visit; the desk's
case page shows the contact on channel 网站/手机."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from shouwen.cases import services as case_services
from shouwen.cases.models import Case, CaseStatus
from shouwen.core.sms import LogSmsBackend
from shouwen.core.testing import screenshot
from shouwen.rounds.tests.helpers import PNG

pytestmark = [pytest.mark.browser, pytest.mark.once]


@pytest.fixture
def phone(browser):
    """A page the size of a common phone (390×844 CSS pixels), with touch, in Chinese."""
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _clerk_on_duty(world) -> None:
    """Put 王丽 (front desk) on every shift of yesterday and today: she is the desk on duty now."""
    from shouwen.duty.models import RosterEntry
    from shouwen.duty.roster import shifts_of

    today = timezone.localdate()
    for day in (today - timedelta(days=1), today):
        for shift in shifts_of(world.estate):
            RosterEntry.objects.create(estate=world.estate, date=day, shift=shift, staff=world.clerk)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_resident_reports_a_leak_from_the_phone_and_follows_it_to_the_return_visit(
    live_server, live_world, phone, page, sign_in, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    world, base = live_world, live_server.url
    _clerk_on_duty(world)
    LogSmsBackend.sent.clear()

    # Sign in with a code read from the text-message log.
    phone.goto(base + "/r/")
    assert "/r/sign-in/" in phone.url
    phone.fill("#id_phone", "13812345678")
    screenshot(phone, "portal-sign-in")
    with phone.expect_navigation():
        phone.click("#send-code")
    assert "138****5678" in phone.inner_text("#code-sent")
    ((to, text),) = [m for m in LogSmsBackend.sent if m[0] == "13812345678"]
    code = re.search(r"\d{6}", text).group(0)
    phone.fill("#id_code", code)
    screenshot(phone, "portal-code")
    with phone.expect_navigation():
        phone.click("#verify")
    assert phone.url == base + "/r/"
    assert "张伟" in phone.inner_text("#who") and "1502" in phone.inner_text("#my-units")
    assert fits(phone)
    screenshot(phone, "portal-home")

    # Report a leak with a photo.
    with phone.expect_navigation():
        phone.click("#report-link")
    phone.get_by_label("居家维修").check()
    phone.fill("#id_content", "卫生间天花板漏水，滴到地面")
    phone.fill("#id_preferred_time", "今天晚上七点后")
    phone.locator("#id_photos").set_input_files(
        files=[{"name": "漏水.png", "mimeType": "image/png", "buffer": PNG}]
    )
    assert fits(phone)
    screenshot(phone, "portal-report")
    with phone.expect_navigation():
        phone.click("#send-report")
    case = Case.objects.get(resident=world.residents["owner"])
    assert case.number in phone.inner_text("#case-number")
    assert case.number in phone.inner_text("#messages")
    assert "已受理" in phone.inner_text("#timeline")
    assert "王（工号 LJ001）" in phone.inner_text("#accountable") and "王丽" not in phone.content()
    assert phone.locator("#promised").count() == 1
    assert (
        case.first_contact == world.clerk and case.origin.channel == "web" and case.attachments.count() == 1
    )
    assert fits(phone)
    screenshot(phone, "portal-registered")

    # The clerk hands it to engineering; its head accepts it.
    engineering = world.departments["engineering"]
    handover = case_services.hand_over(
        world.clerk, case, to_department=engineering, note="卫生间漏水，请上门"
    )
    case_services.accept_handover(world.staff["engineering_head"], handover)
    phone.reload()
    timeline = phone.inner_text("#timeline")
    assert f"已转交{engineering.name}处理" in timeline
    assert "黄（工号 LJ011）" in phone.inner_text("#accountable") and "黄国庆" not in phone.content()
    screenshot(phone, "portal-handed-over")

    # Resolved: the resident answers the return visit on the phone; the case closes.
    case.refresh_from_db()
    case_services.resolve_case(world.staff["engineering_head"], case, resolution="已更换楼上卫生间防水层")
    phone.reload()
    assert "已处理完成" in phone.inner_text("#timeline")
    phone.get_by_label("非常满意").check()
    phone.fill("#id_comments", "师傅很准时")
    assert fits(phone)
    screenshot(phone, "portal-return-visit")
    with phone.expect_navigation():
        phone.click("#send-visit")
    assert phone.inner_text("#case-status") == "已办结"
    assert "师傅很准时" in phone.inner_text("#timeline")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    visit = case.return_visits.get()
    assert visit.by_resident == world.residents["owner"] and visit.channel == "portal"
    screenshot(phone, "portal-closed")

    # The desk's case page shows the contact on channel 网站/手机.
    sign_in(page, base, "qiantai")
    page.goto(f"{base}/cases/{case.number}/")
    assert "网站/手机" in page.inner_text("main")
    assert "住户在线评价" in page.inner_text("#timeline")
    screenshot(page, "portal-case-at-the-desk")
