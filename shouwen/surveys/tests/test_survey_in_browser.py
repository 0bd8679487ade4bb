"""In a real browser at phone size (390×844): a resident answers by the text-message link, the comment
becomes a case, the supervisor reads the results. Screenshots in test-artifacts/ (survey-link.png,
survey-results.png).
"""

from __future__ import annotations

import re

import pytest

from shouwen.core.sms import LogSmsBackend
from shouwen.core.testing import screenshot
from shouwen.surveys import services
from shouwen.surveys.models import SurveyResponse

pytestmark = pytest.mark.browser


def test_a_resident_answers_by_the_link_on_a_phone_and_the_comment_becomes_a_case(
    live_server, live_sw, browser, page, sign_in, settings
):
    settings.SHOUWEN_QUIET_HOURS = ""
    settings.SHOUWEN_SITE_URL = live_server.url
    LogSmsBackend.sent.clear()
    services.send_invitations()
    _phone, text = next(m for m in LogSmsBackend.sent if m[0] == "13600000001")
    link = re.search(r"(http\S+/s/\S+/)", text).group(1)
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    p = phone.new_page()
    p.goto(link)
    assert "5栋1单元0101" in p.content()
    p.check(f"input[name=q{live_sw.question('service')}][value=satisfied]")
    p.check(f"input[name=q{live_sw.question('engineering')}][value=unsatisfied]")
    p.fill(f"textarea[name=q{live_sw.question('comment')}]", "5栋门口路灯不亮")
    screenshot(p, "survey-link")
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    p.click("#submit-answer")
    p.wait_for_selector("#thanks")
    p.goto(link)
    assert p.is_visible("#already")
    phone.close()
    assert SurveyResponse.objects.get().channel == "sms_link"

    base = live_server.url
    sign_in(page, base, "kfzg")
    page.click("#nav-surveys")
    page.click(f"#round-{live_sw.round.pk} >> text=意见建议")
    page.select_option("select[name=category]", "public_repair")
    page.click("button.open-case")
    number = re.search(r"(\S+)。", page.inner_text(".messages")).group(1).removeprefix("已登记为事项")
    assert page.inner_text("#comments a").strip() == number
    page.goto(f"{base}/surveys/rounds/{live_sw.round.pk}/")
    assert page.inner_text("#responded").startswith("1")
    assert "16.7%" in page.inner_text("#response-rate")
    assert "0.0%" in page.inner_text("#service-engineering")
    screenshot(page, "survey-results")
