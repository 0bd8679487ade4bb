"""In a real browser: a phone complaint from a known caller, handed to engineering, accepted there."""

import re

import pytest

from shouwen.cases.models import Case
from shouwen.core.testing import screenshot

pytestmark = pytest.mark.browser


def test_clerk_registers_complaint_hands_it_to_engineering_and_the_supervisor_accepts(
    live_server, live_world, page, sign_in
):
    base = live_server.url
    sign_in(page, base, "qiantai")
    page.click("text=来电来访登记")
    assert "我姓王，工号LJ001" in page.inner_text(".greeting")

    # The caller is found by number; the clerk picks their unit.
    page.fill("#id_caller_phone", "13812345678")
    page.click("button.pick:has-text('3栋2单元1502')")
    assert page.input_value("#id_caller_name") == "张伟"
    page.select_option("#id_category", "complaint")
    page.fill("#id_content", "3号楼电梯困人二十分钟，业主非常不满")
    page.select_option("#id_severity", "important")
    page.fill("#id_demand", "要求尽快检修并给出说法")
    page.click("#register-button")
    page.wait_for_url(re.compile(r"/cases/LJY-\d{8}-\d{4}/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[1]
    assert page.inner_text("#accountable") == "王丽"

    # Hand it to the engineering department with a note; the clerk stays accountable meanwhile.
    page.click("details.action summary:has-text('转办')")
    page.select_option("form[data-action=hand_over] select[name=to_department]", label="工程维修部")
    page.fill("form[data-action=hand_over] textarea[name=note]", "电梯困人，请工程部立即检修")
    page.click("form[data-action=hand_over] button[type=submit]")
    page.wait_for_load_state()
    assert "转办待接收：工程维修部" in page.content()
    assert page.inner_text("#accountable") == "王丽"
    screenshot(page, "case-handover-pending")

    # The engineering supervisor accepts it from the queue of handovers waiting for them.
    page.click(".userbox button:has-text('退出')")
    sign_in(page, base, "gczg")
    page.goto(base + "/cases/?queue=incoming")
    page.click(f"text={number}")
    page.click("form[data-action=accept_handover] button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#accountable") == "黄国庆"

    chain = page.locator("#chain tbody tr")
    assert chain.count() == 2
    first, second = chain.nth(0).inner_text(), chain.nth(1).inner_text()
    assert "王丽" in first and "首问登记" in first
    assert "黄国庆" in second and "接收转办" in second and "电梯困人，请工程部立即检修" in second
    assert re.search(r"\d{2}-\d{2} \d{2}:\d{2}", first) and "至今" in second
    timeline = page.inner_text("#timeline")
    assert "登记立项" in timeline and "转办" in timeline and "接收转办" in timeline
    screenshot(page, "case-accepted-by-engineering")

    case = Case.objects.get(number=number)
    assert case.accountable.name == "黄国庆"
    assert case.first_contact.name == "王丽"
