"""The quarterly department assessment: weights, entered scores, figures from the system, who may enter."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from shouwen.reports.models import AssessmentWeights, DepartmentAssessment

from .conftest import at, contact

Q1 = {"year": "2026", "quarter": "1"}


def weights(world):
    return AssessmentWeights.objects.create(
        company=world.company,
        self_check=Decimal(30),
        inspection=Decimal(30),
        survey=Decimal(30),
        complaints=Decimal(10),
        points_per_complaint=Decimal(25),
    )


def test_the_director_enters_scores_and_the_quarter_is_weighted_with_figures_from_the_system(
    march, client_for
):
    world = march.world
    weights(world)
    service = world.departments["service"]
    # Two complaints against the service department in the quarter (one more on the voided case is not counted).
    complaint = contact(world, at(3, 20), "complaint")
    complaint.complained_department = service
    complaint.save()
    origin = march.cases["c1"].origin
    origin.complained_department = service
    origin.save()
    void_origin = march.cases["c4"].origin
    void_origin.complained_department = service
    void_origin.save()
    client = client_for(world.staff["office_director"])
    answer = client.post(
        reverse("reports:assessment"),
        {
            **Q1,
            "department": service.pk,
            "self_check_score": "92",
            "inspection_score": "88.5",
            "survey_satisfaction": "",
        },
    )
    assert answer.status_code == 302
    entry = DepartmentAssessment.objects.get(department=service, year=2026, quarter=1)
    assert entry.entered_by == world.staff["office_director"] and entry.inspection_score == Decimal("88.50")
    html = client.get(reverse("reports:assessment"), Q1).text
    row = html[html.index(f'id="dept-{service.pk}"') :]
    row = row[: row.index("</tr>")]
    # Survey from the system: the one visit of a service-department case (c1) was "basically satisfied" → 0%.
    # Complaints: 2 → 100 − 2 × 25 = 50. Score = (92×30 + 88.5×30 + 0×30 + 50×10) / 100 = 59.15 → 59.2.
    assert "系统回访" in row and ">2<" in row and "50" in row
    assert "<strong>59.2</strong>" in row
    # A correction keeps the value it replaced, with who entered each.
    client.post(reverse("reports:assessment"), {**Q1, "department": service.pk, "self_check_score": "95"})
    history = list(DepartmentAssessment.history.filter(department=service).order_by("history_date"))
    assert [h.self_check_score for h in history] == [Decimal("92.00"), Decimal("95.00")]
    assert {h.history_user for h in history} == {world.staff["office_director"].user}


def test_a_missing_input_is_named_instead_of_a_score(world, client_for):
    weights(world)
    html = client_for(world.staff["office_director"]).get(reverse("reports:assessment"), Q1).text
    assert "缺：月度自查得分、检查评分、调查满意率" in html


def test_a_score_out_of_range_is_refused_with_a_message(world, client_for):
    client = client_for(world.staff["office_director"])
    answer = client.post(
        reverse("reports:assessment"),
        {**Q1, "department": world.departments["service"].pk, "self_check_score": "120"},
        follow=True,
    )
    assert "月度自查得分 应为 0–100 的数字" in answer.text
    assert not DepartmentAssessment.objects.exists()


def test_the_supervisor_reads_the_assessment_but_cannot_enter_and_nobody_enters_for_another_estate(
    world, client_for
):
    supervisor = client_for(world.supervisor)
    assert supervisor.get(reverse("reports:assessment"), Q1).status_code == 200
    assert (
        supervisor.post(
            reverse("reports:assessment"), {**Q1, "department": world.departments["service"].pk}
        ).status_code
        == 403
    )
    from shouwen.directory.models import Department

    other = Department.objects.get(estate=world.other_estate, kind="service")
    director = client_for(world.staff["office_director"])
    answer = director.post(
        reverse("reports:assessment"), {**Q1, "department": other.pk, "self_check_score": "90"}, follow=True
    )
    assert "请选择您所服务小区的部门" in answer.text
    assert not DepartmentAssessment.objects.exists()


def test_the_assessment_through_the_api_matches_the_page(march, api_for):
    world = march.world
    weights(world)
    service = world.departments["service"]
    origin = march.cases["c1"].origin
    origin.complained_department = service
    origin.save()
    api = api_for(world.staff["office_director"])
    url = "/api/v1/reports/assessment/"
    answer = api.post(
        url,
        {
            "department": service.pk,
            "year": 2026,
            "quarter": 1,
            "self_check_score": "92",
            "inspection_score": 88.5,
        },
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    row = answer.json()
    # Survey from the system (0 %), one complaint → 75; (92×30 + 88.5×30 + 0×30 + 75×10) / 100 = 61.65 → 61.7.
    assert row["survey_from_system"] is True and row["complaints"] == 1 and row["complaint_score"] == 75.0
    assert row["score"] == 61.7 and row["entered_by"] == world.staff["office_director"].name
    listed = api.get(url, {"year": 2026, "quarter": 1}).json()
    assert listed["weights"]["points_per_complaint"] == 25.0
    by_id = {r["department"]["id"]: r for r in listed["departments"]}
    assert by_id[service.pk]["score"] == 61.7
    assert "月度自查得分" in by_id[world.departments["engineering"].pk]["missing"]
    # Bad input is a 400 with the reason; nothing is stored.
    bad = api.post(
        url, {"department": service.pk, "year": 2026, "quarter": 1, "self_check_score": "120"}, format="json"
    )
    assert bad.status_code == 400 and "0–100" in str(bad.json())
    assert api.get(url, {"quarter": "5"}).status_code == 400
    assert DepartmentAssessment.objects.get(department=service).self_check_score == Decimal("92.00")


def test_the_assessment_api_lets_the_supervisor_read_but_not_enter_and_keeps_other_estates_out(
    world, api_for
):
    from shouwen.directory.models import Department

    supervisor = api_for(world.supervisor)
    url = "/api/v1/reports/assessment/"
    assert supervisor.get(url, {"year": 2026, "quarter": 1}).status_code == 200
    body = {
        "department": world.departments["service"].pk,
        "year": 2026,
        "quarter": 1,
        "self_check_score": "90",
    }
    assert supervisor.post(url, body, format="json").status_code == 403
    other = Department.objects.get(estate=world.other_estate, kind="service")
    director = api_for(world.staff["office_director"])
    answer = director.post(url, {**body, "department": other.pk}, format="json")
    assert answer.status_code == 400 and "请选择您所服务小区的部门" in str(answer.json())
    assert not DepartmentAssessment.objects.exists()
