"""At a phone's width (390×844) the desk pages fit the screen: nothing scrolls sideways."""

from __future__ import annotations

import pytest

from shouwen.cases import services as case_services
from shouwen.core.testing import screenshot

pytestmark = pytest.mark.browser

OVERFLOW = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


@pytest.fixture
def narrow(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_the_desk_pages_fit_a_phone_screen(live_server, live_world, narrow, sign_in):
    world = live_world
    case = world.register()
    lift = world.register(
        category="public_repair", content="3栋电梯异响，请工程部检查", resident=None, unit=None
    )
    case_services.hand_over(world.clerk, lift, to_department=world.departments["engineering"], note="请派人")
    base = live_server.url
    sign_in(narrow, base, "kfzg")
    paths = [
        "/",
        "/cases/",
        "/cases/?queue=estate_open",
        "/cases/?queue=department",
        f"/cases/{case.number}/",
        f"/cases/{lift.number}/",
        "/cases/intake/",
        "/notifications/",
        "/followups/",
        "/directory/residents/",
        f"/directory/residents/{world.residents['owner'].pk}/",
        "/sla/escalations/",
        "/access/log/",
        "/directory/estates/",
        f"/directory/units/{world.units['3-2-1502'].pk}/",
    ]
    wide = []
    for path in paths:
        narrow.goto(base + path)
        if narrow.evaluate(OVERFLOW):
            wide.append((path, narrow.evaluate("document.documentElement.scrollWidth")))
            screenshot(narrow, "wide" + path.replace("/", "-").replace("?", "-"))
        screenshot(narrow, "phone-width" + path.replace("/", "-").replace("?", "-").replace("=", "-"))
    assert wide == []
