"""In a browser, on the demo data: the supervisor's and the deputy general manager's dashboards draw their charts.

Screenshots are saved under test-artifacts/ (dashboard-supervisor.png, dashboard-deputy-gm.png).
"""

from __future__ import annotations

import importlib
import io

import pytest
from django.core.management import call_command

from shouwen.core.testing import screenshot

pytestmark = pytest.mark.browser

CHARTS = ("chart-trend", "chart-mix", "chart-overdue", "chart-handovers", "chart-satisfaction")


@pytest.fixture
def demo(transactional_db):
    """The demo company with its two months of cases, and the targets the migration seeds."""
    from django.apps import apps

    call_command("demo_data", stdout=io.StringIO())
    importlib.import_module("shouwen.reports.migrations.0001_targets_and_assessment").seed_targets(apps, None)
    # The demo's visits are all still waiting: the service desks make a few today, so satisfaction has figures.
    from shouwen.directory.models import Staff
    from shouwen.followups.models import ReturnVisit
    from shouwen.followups.services import record_return_visit

    results = ["very_satisfied", "satisfied", "satisfied", "basically", "unsatisfied"]
    for username, code in (("kfzg", "LJY"), ("kfzg2", "CHY")):
        staff = Staff.objects.get(user__username=username)
        for i, visit in enumerate(ReturnVisit.objects.filter(status="pending", case__estate__code=code)[:10]):
            record_return_visit(
                staff,
                visit,
                channel="phone",
                satisfaction=results[i % 5],
                comments="维修后仍有异响",
                override_reason="主管抽查回访",
            )


def open_dashboard(page, base, login, problems):
    from shouwen.development.directory_demo import DEMO_PASSWORD

    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", login)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(base + "/")
    page.click("#nav-dashboard")
    page.wait_for_url(base + "/dashboard/")
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart}[data-rendered] svg path", state="attached")


def drawn_shapes(page, chart):
    """How many shapes ECharts drew in the chart's SVG (bars, slices, lines)."""
    return page.locator(f"#{chart} svg path").count()


def test_the_supervisor_and_the_deputy_gm_see_their_dashboards_drawn(live_server, demo, page, browser):
    base = live_server.url
    problems: list[str] = []
    open_dashboard(page, base, "kfzg", problems)
    assert "丽景园" in page.inner_text("h1") and "翠湖苑" not in page.inner_text("h1")
    assert page.locator("#estates-compare").count() == 0
    for chart in CHARTS:
        assert drawn_shapes(page, chart) > 3, chart
    # The category mix has a slice per category with contacts this month.
    assert page.locator("#chart-mix svg path").count() >= 5
    screenshot(page, "dashboard-supervisor")
    assert problems == []

    gm = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000}).new_page()
    open_dashboard(gm, base, "fuzong", problems)
    gm.wait_for_selector("#chart-estates[data-rendered] svg path", state="attached")
    assert drawn_shapes(gm, "chart-estates") > 10
    links = gm.locator("#table-estates thead a")
    assert links.count() == 2
    screenshot(gm, "dashboard-deputy-gm")
    with gm.expect_navigation():
        links.first.click()
    assert "estate=" in gm.url
    gm.wait_for_selector("#chart-trend[data-rendered] svg path", state="attached")
    assert problems == []
    gm.context.close()
