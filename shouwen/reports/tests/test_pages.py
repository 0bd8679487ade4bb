"""The report pages and API: who may see them, which estates they count, bad input, and their query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

MARCH = {"month": "2026-03"}


@pytest.mark.parametrize("role", ["cs_supervisor", "office_director", "deputy_gm", "admin"])
def test_supervisors_directors_and_the_deputy_gm_see_the_reports_and_the_navigation_links_them(
    world, client_for, role
):
    client = client_for(world.staff[role])
    home = client.get("/")
    assert reverse("reports:monthly") in home.text and reverse("reports:dashboard") in home.text
    assert client.get(reverse("reports:monthly"), MARCH).status_code == 200
    assert client.get(reverse("reports:dashboard"), MARCH).status_code == 200


@pytest.mark.parametrize("role", ["front_desk", "cs_assistant", "technician", "finance_clerk", "security"])
def test_other_staff_are_refused_the_reports_and_do_not_see_the_links(world, client_for, role):
    client = client_for(world.staff[role])
    assert 'id="nav-reports"' not in client.get("/").text
    for name in ("monthly", "dashboard", "excel", "pdf", "assessment", "cases"):
        assert client.get(reverse(f"reports:{name}"), MARCH).status_code == 403
    assert client.get("/api/v1/reports/monthly/", MARCH).status_code == 403


def test_the_monthly_page_shows_the_table_the_rates_with_definitions_and_the_analysis(march, client_for):
    page = client_for(march.world.supervisor).get(reverse("reports:monthly"), MARCH)
    html = page.text
    assert page.status_code == 200
    assert 'id="table-comparison"' in html and 'id="table-by_department"' in html
    assert "本期共登记来电来访 9 宗" in html
    assert 'id="rate-satisfaction" class="rate-missed"' in html
    assert "“基本满意”不计入满意" in html  # the definition is on the page
    assert "≥ 90.00%" in html


def test_the_supervisor_counts_only_the_estates_served_and_cannot_ask_for_another(march, client_for):
    world = march.world
    client = client_for(world.supervisor)
    html = client.get(reverse("reports:monthly"), MARCH).text
    assert "翠湖苑" not in html
    assert (
        client.get(reverse("reports:monthly"), {**MARCH, "estate": world.other_estate.pk}).status_code == 403
    )
    assert (
        client.get(reverse("reports:dashboard"), {**MARCH, "estate": world.other_estate.pk}).status_code
        == 403
    )


def test_the_deputy_gm_compares_the_estates_and_each_links_to_its_dashboard(march, client_for):
    world = march.world
    client = client_for(world.staff["deputy_gm"])
    html = client.get(reverse("reports:dashboard"), MARCH).text
    assert 'id="table-estates"' in html
    assert f"estate={world.estate.pk}" in html and f"estate={world.other_estate.pk}" in html
    one = client.get(reverse("reports:dashboard"), {**MARCH, "estate": world.other_estate.pk}).text
    assert 'id="table-estates"' not in one and "翠湖苑" in one


def test_a_bad_month_is_answered_with_a_message_on_the_page_and_400_in_the_api(world, client_for, api_for):
    client = client_for(world.supervisor)
    page = client.get(reverse("reports:monthly"), {"month": "March"})
    assert page.status_code == 400 and "月份格式应为 YYYY-MM" in page.text
    dashboard = client.get(reverse("reports:dashboard"), {"estate": "LJY"})
    assert dashboard.status_code == 400 and "小区参数无效" in dashboard.text
    excel = client.get(reverse("reports:excel"), {"start": "2026-03-01"}, follow=True)
    assert "起止日期格式应为 YYYY-MM-DD" in excel.text
    api = api_for(world.supervisor)
    answer = api.get("/api/v1/reports/rates/", {"start": "2026-03-09", "end": "2026-03-01"})
    assert answer.status_code == 400 and "结束日期不能早于开始日期" in answer.json()["detail"]


def test_the_api_gives_the_same_figures_scoped_by_estate(march, api_for):
    world = march.world
    api = api_for(world.supervisor)
    monthly = api.get("/api/v1/reports/monthly/", MARCH).json()
    assert [e["code"] for e in monthly["estates"]] == ["LJY"]
    assert monthly["comparison"]["total"][0] == 9
    assert monthly["tables"]["estate"]["rows"] == [
        {"label": "丽景园", "values": [1, 0, 3, 1, 2, 0, 1, 1, 9, 3, 1]}
    ]
    rates = {r["code"]: r for r in api.get("/api/v1/reports/rates/", MARCH).json()["rates"]}
    assert (rates["return_visit"]["numerator"], rates["return_visit"]["denominator"]) == (2, 3)
    assert rates["satisfaction"]["status"] == "missed" and rates["satisfaction"]["percent"] == 50.0
    assert api.get("/api/v1/reports/rates/", {**MARCH, "estate": world.other_estate.pk}).status_code == 403
    recurring = api.get("/api/v1/reports/recurring/", MARCH).json()
    assert recurring["reopened"]["rows"][0]["values"] == [2]
    dashboard = api.get("/api/v1/reports/dashboard/", MARCH).json()
    assert len(dashboard["trend"]["months"]) == 12 and dashboard["mix"][2] == {"name": "投诉", "value": 3}
    gm = api_for(world.staff["deputy_gm"]).get("/api/v1/reports/rates/", MARCH).json()
    assert set(gm["by_estate"]) == {str(world.estate.pk), str(world.other_estate.pk)}


def test_a_figure_drills_down_to_its_cases(march, client_for):
    client = client_for(march.world.supervisor)
    report = client.get(reverse("reports:monthly"), MARCH).text
    unit = march.world.units["3-2-1502"].pk
    assert f"unit={unit}&amp;category=household_repair" in report
    html = client.get(reverse("reports:cases"), {**MARCH, "unit": unit, "category": "household_repair"}).text
    assert march.cases["c6"].number in html and march.cases["c7"].number in html
    assert march.cases["c1"].number not in html


def test_the_monthly_page_and_the_dashboard_take_a_fixed_number_of_queries(
    march, client_for, django_assert_max_num_queries
):
    client = client_for(march.world.staff["deputy_gm"])
    client.get("/")  # the session and the user are loaded once before counting
    with django_assert_max_num_queries(27):
        assert client.get(reverse("reports:monthly"), MARCH).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("reports:dashboard"), MARCH).status_code == 200
