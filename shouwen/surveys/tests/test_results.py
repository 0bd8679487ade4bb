"""The survey's response rate and per-service results against a hand count of a fixed dataset."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from shouwen.reports.assessment import enter_scores, quarterly_scores
from shouwen.surveys import services
from shouwen.surveys.models import ResponseChannel, SurveyResponse
from shouwen.surveys.tests.conftest import answers

LINK, PAPER = ResponseChannel.SMS_LINK, ResponseChannel.PAPER


def fill_in(world, sw):
    """Four households answer; one answers twice; the empty flat's paper form is refused.

    Hand count (households: 3-2-1502, 3-1-0801, 5-1-0101…0104 = 6; answered 4):
      客户服务  very 1 (1502), satisfied 1 (0801), fair 1 (0101), very unsatisfied 1 (0102) → 2 / 4 = 50.0 %
      维修服务  satisfied 2 (1502, 0102), unsatisfied 1 (0801), very 1 (0101)              → 3 / 4 = 75.0 %
      环境卫生  fair 1 (1502), very unsatisfied 1 (0101), satisfied 1 (0102), 0801 blank   → 1 / 3 = 33.3 %
    """
    clerk = world.staff["front_desk"]
    services.submit_response(
        sw.household("3-2-1502"),
        answers(
            sw,
            service="very_satisfied",
            engineering="satisfied",
            environment="fair",
            comment="3栋楼道灯坏了，请尽快修",
        ),
        channel=LINK,
    )
    services.submit_response(
        sw.household("3-1-0801"),
        answers(sw, service="satisfied", engineering="unsatisfied"),
        channel=PAPER,
        staff=clerk,
    )
    services.submit_response(
        sw.household("5-1-0101"),
        answers(sw, service="fair", engineering="very_satisfied", environment="very_unsatisfied"),
        channel=LINK,
    )
    with pytest.raises(services.AlreadyAnswered):  # the same household again, on paper this time
        services.submit_response(
            sw.household("5-1-0101"), answers(sw, service="very_satisfied"), channel=PAPER, staff=clerk
        )
    services.submit_response(
        sw.household("5-1-0102"),
        answers(
            sw,
            service="very_unsatisfied",
            engineering="satisfied",
            environment="satisfied",
            comment="绿化带里有垃圾",
        ),
        channel=PAPER,
        staff=clerk,
    )
    with pytest.raises(ValidationError):  # the empty flat is not a household of the round
        services.household_for_unit(sw.round, sw.units["5-1-0105"])
    # Another estate's answers stay out of 丽景园's figures.
    from shouwen.surveys.models import Household

    services.submit_response(
        Household.objects.get(round=sw.other_round),
        {sw.question("service"): "very_unsatisfied"},
        channel=LINK,
    )


def test_households_are_the_units_occupied_when_the_round_opens(sw):
    labels = sorted(h.unit.label for h in sw.round.households.select_related("unit__building"))
    assert labels == [
        "3栋1单元0801",
        "3栋2单元1502",
        "5栋1单元0101",
        "5栋1单元0102",
        "5栋1单元0103",
        "5栋1单元0104",
    ]


def test_response_rate_and_results_match_the_hand_count(world, sw):
    fill_in(world, sw)
    result = services.round_results(sw.round)
    assert (result.households, result.responded) == (6, 4)
    assert result.response_rate == Decimal("66.7")
    assert result.by_channel == {LINK: 2, PAPER: 2}
    by_service = {q.question.service: q for q in result.questions}
    assert by_service["service"].counts == {
        "very_satisfied": 1,
        "satisfied": 1,
        "fair": 1,
        "unsatisfied": 0,
        "very_unsatisfied": 1,
    }
    assert (by_service["service"].answered, by_service["service"].satisfaction) == (4, Decimal("50.0"))
    assert by_service["engineering"].counts == {
        "very_satisfied": 1,
        "satisfied": 2,
        "fair": 0,
        "unsatisfied": 1,
        "very_unsatisfied": 0,
    }
    assert by_service["engineering"].satisfaction == Decimal("75.0")
    assert (by_service["environment"].answered, by_service["environment"].satisfaction) == (
        3,
        Decimal("33.3"),
    )
    assert result.comments == 2
    other = services.round_results(sw.other_round)
    assert (other.households, other.responded, other.questions[0].satisfaction) == (1, 1, Decimal("0.0"))


def test_a_paper_form_records_who_entered_it_and_when(world, sw):
    fill_in(world, sw)
    paper = SurveyResponse.objects.get(household=sw.household("3-1-0801"))
    assert paper.channel == PAPER and paper.entered_by == world.staff["front_desk"] and paper.entered_at
    online = SurveyResponse.objects.get(household=sw.household("3-2-1502"))
    assert online.entered_by is None and online.resident == world.residents["owner"]


def test_a_household_answering_twice_is_counted_once_and_keeps_its_first_answers(world, sw):
    fill_in(world, sw)
    first = SurveyResponse.objects.get(household=sw.household("5-1-0101"))
    assert first.channel == LINK
    assert first.answers.get(question_id=sw.question("service")).rating == "fair"
    assert SurveyResponse.objects.filter(household=sw.household("5-1-0101")).count() == 1


def test_nothing_answered_or_unknown_ratings_are_refused(sw):
    with pytest.raises(ValidationError):
        services.submit_response(sw.household("5-1-0103"), {}, channel=LINK)
    with pytest.raises(ValidationError):
        services.submit_response(sw.household("5-1-0103"), answers(sw, service="great"), channel=LINK)
    assert not SurveyResponse.objects.filter(household=sw.household("5-1-0103")).exists()


def test_residents_answer_only_while_the_round_is_open(sw):
    after = sw.round.closes_on + timedelta(days=1)
    with pytest.raises(ValidationError):
        services.submit_response(
            sw.household("5-1-0103"), answers(sw, service="fair"), channel=LINK, day=after
        )


def test_a_round_used_questionnaire_changes_into_a_new_version(world, sw):
    fill_in(world, sw)
    changed = services.save_questionnaire(
        world.staff["cs_supervisor"],
        title="业主意见征询表",
        questions=[services.QuestionInput("rating", "您对秩序维护是否满意？", "security")],
        questionnaire=sw.questionnaire,
    )
    assert changed.pk != sw.questionnaire.pk and changed.version == 2 and changed.previous == sw.questionnaire
    assert sw.questionnaire.questions.count() == 4  # the answered forms keep their questions
    assert services.round_results(sw.round).responded == 4


def test_the_assessment_takes_the_survey_satisfaction_of_the_quarter_unless_entered(world, sw):
    fill_in(world, sw)
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    director = world.staff["office_director"]
    rows = {
        r.department.kind: r
        for r in quarterly_scores(director.user, [world.estate.pk], today.year, quarter).rows
    }
    assert rows["engineering"].survey == Decimal("75.0") and rows["engineering"].survey_from_questionnaire
    assert rows["environment"].survey == Decimal("33.3")
    assert rows["service"].survey == Decimal("50.0")
    assert rows["finance"].survey is None and not rows["finance"].survey_from_questionnaire
    enter_scores(
        director,
        department_id=world.departments["engineering"].pk,
        year=today.year,
        quarter=quarter,
        self_check="90",
        inspection="85",
        survey="88",
    )
    rows = {
        r.department.kind: r
        for r in quarterly_scores(director.user, [world.estate.pk], today.year, quarter).rows
    }
    assert (
        rows["engineering"].survey == Decimal("88.00") and not rows["engineering"].survey_from_questionnaire
    )
    # A quarter without survey forms falls back to what was there before.
    rows = {
        r.department.kind: r
        for r in quarterly_scores(director.user, [world.estate.pk], today.year - 1, quarter).rows
    }
    assert rows["environment"].survey is None


def test_the_results_page_and_excel_show_the_hand_count(client, world, sw):
    fill_in(world, sw)
    client.force_login(world.staff["cs_supervisor"].user)
    page = client.get(reverse("surveys:detail", args=[sw.round.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "66.7%" in html and "75.0%" in html and "33.3%" in html
    export = client.get(reverse("surveys:export", args=[sw.round.pk]))
    assert export.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(export.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert ("已填写", 4) in [r[:2] for r in rows]
    assert ["您对维修服务是否满意？", 1, 2, 0, 1, 0, 4, 75.0] in [list(r[:8]) for r in rows]
    comments = [r[4] for r in wb.worksheets[1].iter_rows(values_only=True)]
    assert "绿化带里有垃圾" in comments


def test_a_formula_in_a_comment_is_exported_as_text(client, world, sw):
    services.submit_response(
        sw.household("5-1-0103"), answers(sw, comment="=cmd|' /C calc'!A0"), channel=LINK
    )
    client.force_login(world.staff["cs_supervisor"].user)
    export = client.get(reverse("surveys:export", args=[sw.round.pk]))
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(export.content)).worksheets[1]
    cell = [c for row in sheet.iter_rows() for c in row if c.value == "=cmd|' /C calc'!A0"][0]
    assert cell.data_type == "s"


def test_the_list_shows_each_estates_response_rate_and_satisfaction_per_service(client, world, sw):
    fill_in(world, sw)
    from shouwen.surveys.models import ServiceKind

    figures = services.satisfaction_by_round([sw.round.pk, sw.other_round.pk])
    assert figures[sw.round.pk]["engineering"].satisfaction == Decimal("75.0")
    assert figures[sw.other_round.pk]["service"].satisfaction == Decimal("0.0")
    assert ServiceKind.SECURITY not in figures[sw.round.pk]
    client.force_login(world.staff["deputy_gm"].user)  # serves both estates
    page = client.get(reverse("surveys:list")).content.decode()
    row = page.split(f'id="round-{sw.round.pk}"')[1].split("</tr>")[0]
    assert "66.7%" in row and "50.0%" in row and "75.0%" in row and "33.3%" in row
    other = page.split(f'id="round-{sw.other_round.pk}"')[1].split("</tr>")[0]
    assert "100.0%" in other and "0.0%" in other
