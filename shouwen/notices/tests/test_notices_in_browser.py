"""In the browser: the clerk writes a notice for building 5 with a text message, the supervisor publishes it,
a resident opens the text message's link on a phone (390×844), and the supervisor sees one household read,
one to phone, and the A4 page for the board."""

from __future__ import annotations

import pytest

from shouwen.core.testing import screenshot
from shouwen.notices import services
from shouwen.notices.models import Notice, NoticeHousehold, ReadVia
from shouwen.notices.tests.helpers import RecordingBackend, make_town

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
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


def test_a_notice_from_writing_to_reading_on_a_phone(live_server, live_world, page, phone, sign_in, settings):
    settings.SHOUWEN_SMS_BACKEND = "shouwen.notices.tests.helpers.RecordingBackend"
    settings.SHOUWEN_QUIET_HOURS = ""
    RecordingBackend.sent = []
    town = make_town(live_world)
    base = live_server.url
    sign_in(page, base, "kefu")  # 张敏, the service assistant
    page.goto(base + "/notices/new/")
    page.fill("#id_title", "5栋电梯检修")
    page.fill("#id_body", "12 月 8 日 9:00–12:00 5 栋电梯停用检修，请走楼梯。")
    page.check("input[name=audience][value=buildings]")
    page.locator("#field-buildings label", has_text="5栋").click()
    page.check("#id_sms")
    page.fill("#id_sms_text", "12月8日上午5栋电梯检修停用。")
    page.click("#notice-save")
    page.wait_for_url(lambda url: "/new/" not in url)
    notice = Notice.objects.get()
    assert "发布后将送达 2 户" in page.inner_text("#notice-expected")
    page.context.clear_cookies()
    sign_in(page, base, "kfzg")  # 李强, the supervisor
    page.goto(base + f"/notices/{notice.pk}/")
    with page.expect_navigation():
        page.click("#notice-publish")
    assert "已发布" in page.inner_text("#notice-status")
    assert services.deliver_notice_sms()["sms_sent"] == 2  # 王五 opted out: only 赵六's two numbers
    text = next(t for p, t in RecordingBackend.sent if p == "13600000002")
    phone.goto(base + text[text.index("/r/notices/s/") :])
    assert "5栋电梯检修" in phone.inner_text("#notice-title")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "notice-link-phone")
    household = NoticeHousehold.objects.get(notice=notice, unit=town.units["5-1-102"])
    assert household.read_via == ReadVia.LINK
    page.goto(base + "/notices/")
    row = page.locator(f"#notice-{notice.pk}")
    assert row.locator(".reached").inner_text() == "2" and row.locator(".read").inner_text() == "1"
    page.goto(base + f"/notices/{notice.pk}/households/")
    assert "5栋1单元101" in page.inner_text("#unread-households") and "136****0001" in page.inner_text(
        "#unread-households"
    )
    page.goto(base + f"/notices/{notice.pk}/print/")
    page.emulate_media(media="print")
    assert page.locator(".toolbar").is_hidden()
    screenshot(page, "notice-a4-print")
