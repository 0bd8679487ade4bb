"""On a phone (390×844): the patrol hands in a report with one finding and a photo, which becomes a
public-area case; the supervisor sees the unread report on her home page and records her reading."""

from __future__ import annotations

import pytest

from shouwen.core.testing import screenshot
from shouwen.rounds.models import PatrolReport
from shouwen.rounds.tests.helpers import PNG

pytestmark = pytest.mark.browser


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


def test_a_patrol_finding_with_a_photo_becomes_a_case_and_the_supervisor_reads_the_report(
    live_server, live_world, phone, page, sign_in, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    sign_in(phone, base, "kefu")  # 张敏, the service assistant on patrol
    phone.goto(base + "/rounds/patrol/new/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    garage = phone.locator("fieldset.checkpoint", has_text="车库")
    assert not garage.locator("textarea").is_visible()  # shown only once a finding is ticked
    garage.get_by_label("发现问题").check()
    garage.locator("textarea").fill("地下车库B区两盏照明灯不亮")
    garage.locator("input[type=file]").set_input_files(
        files=[{"name": "车库.png", "mimeType": "image/png", "buffer": PNG}]
    )
    garage.get_by_label("需要处理，转为公共维修事项").check()
    screenshot(phone, "patrol-report-phone")
    with phone.expect_navigation():
        phone.click("#patrol-submit")
    report = PatrolReport.objects.get()
    item = report.items.get(normal=False)
    assert item.case is not None
    case = item.case
    assert case.number in phone.inner_text(f"#item-{item.pk}")
    assert phone.locator(f"#item-{item.pk} img").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert case.category == "public_repair" and case.origin.channel == "patrol"
    assert case.attachments.count() == 1
    screenshot(phone, "patrol-report-phone-submitted")

    sign_in(page, base, "kfzg")  # 李强, the supervisor
    unread = page.locator("#home-unread-patrols")
    assert unread.inner_text().startswith("1")
    page.click(f"#home-routine a[href='/rounds/patrol/{report.pk}/']")
    page.wait_for_url(f"{base}/rounds/patrol/{report.pk}/")
    with page.expect_navigation():
        page.click("#report-read")
    assert "李强" in page.inner_text("#report-reading")
    report.refresh_from_db()
    assert report.read_by is not None and report.read_by.name == "李强" and report.read_at is not None
    page.goto(base + "/")
    assert page.locator("#home-unread-patrols").inner_text().startswith("0")
    page.goto(f"{base}/cases/{case.number}/")
    assert "车库.png" in page.inner_text("body")
    screenshot(page, "patrol-report-read")
