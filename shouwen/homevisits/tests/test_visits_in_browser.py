"""In a real browser: the service assistant records a home visit whose opinion becomes a case,
and the supervisor sees the coverage of her area.

Screenshots are saved under test-artifacts/ (home-visit-record.png, home-visit-coverage.png).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from shouwen.core.testing import screenshot
from shouwen.directory.models import Building
from shouwen.homevisits import services
from shouwen.homevisits.models import HomeVisit

pytestmark = pytest.mark.browser


def test_assistant_records_a_visit_whose_opinion_becomes_a_case_and_the_supervisor_sees_coverage(
    live_server, live_world, page, browser, sign_in
):
    world = live_world
    services.set_area(
        world.staff["cs_supervisor"],
        estate=world.estate,
        assistant=world.staff["cs_assistant"],
        buildings=[Building.objects.get(estate=world.estate, code="3")],
    )
    base = live_server.url
    sign_in(page, base, "kefu")
    page.click("#nav-home-visits")
    page.wait_for_url(base + "/visits/")
    assert "丽景园" in page.inner_text("#plan-summary")
    page.fill("#unit-text", "3-2-1502")
    page.click("text=记录走访 >> nth=-1")
    page.wait_for_url(re.compile(r"/visits/record/"))
    called = timezone.localtime() - timedelta(hours=2)
    page.fill("#id_phoned_at", called.strftime("%Y-%m-%dT%H:%M"))
    page.check("input[name=outcome][value=visited]")
    page.check("#id_entered_home")
    page.select_option("#id_companion", str(world.staff["front_desk"].pk))
    page.fill("#id_opinions", "卫生间天花板有水渍，怀疑楼上漏水")
    page.select_option("#id_case_category", "household_repair")
    screenshot(page, "home-visit-record")
    page.click("#save-visit")
    page.wait_for_url(base + "/visits/")
    visit = HomeVisit.objects.select_related("case").get()
    assert visit.case is not None and visit.companion == world.staff["front_desk"]
    assert visit.case.number in page.inner_text(".messages")
    assert visit.case.accountable == world.staff["cs_assistant"]
    page.click(f"#recent-visits a[href='/visits/{visit.pk}/']")
    assert page.inner_text("#visit-case") == visit.case.number
    page.click("#visit-case a")
    page.wait_for_url(re.compile(rf"/cases/{visit.case.number}/$"))
    assert "上门走访意见" in page.content()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    supervisor = context.new_page()
    try:
        sign_in(supervisor, base, "kfzg")
        supervisor.click("#nav-visit-coverage")
        supervisor.wait_for_url(base + "/visits/coverage/")
        row = supervisor.inner_text(f"#area-{visit.unit.building.visit_areas.get().pk}")
        assert "张敏" in row and "50.0%" in row
        assert "50.0%" in supervisor.inner_text(f"#estate-{world.estate.pk}")
        screenshot(supervisor, "home-visit-coverage")
    finally:
        context.close()
