"""In a real browser: the intake page proposes a repair's urgency as the description is typed, and
the clerk's own choice is what is registered."""

import re

import pytest

from shouwen.cases.models import Case

pytestmark = pytest.mark.browser


def test_the_page_proposes_emergency_for_a_lift_entrapment_and_the_clerk_may_choose_otherwise(
    live_server, live_world, page, sign_in
):
    base = live_server.url
    sign_in(page, base, "qiantai")
    page.goto(base + "/cases/intake/")
    page.select_option("#id_category", "public_repair")
    page.fill("#id_content", "3号楼电梯困人，两位老人被困")
    assert "紧急" in page.inner_text("#urgency-proposal")
    page.fill("#id_content", "单元门把手松动")
    assert "一般" in page.inner_text("#urgency-proposal")
    page.select_option("#id_urgency", "urgent")
    assert page.inner_text("#urgency-proposal") == ""
    page.click("#register-button")
    page.wait_for_url(re.compile(r"/cases/LJY-\d{8}-\d{4}/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[1]
    assert Case.objects.get(number=number).urgency == "urgent"
    assert page.inner_text("#urgency") == "较急"
