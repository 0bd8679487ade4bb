"""In English, the survey pages say nothing in Chinese but the data (questions, titles, comments)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shouwen.core.tests.test_english import chinese_left
from shouwen.surveys import services
from shouwen.surveys.models import Answer, Question, Questionnaire, SurveyRound
from shouwen.surveys.tests.conftest import answers


def survey_texts() -> list[str]:
    texts = set(Questionnaire.objects.values_list("title", flat=True))
    texts |= set(Question.objects.values_list("text", flat=True))
    texts |= set(SurveyRound.objects.values_list("title", flat=True))
    texts |= {t for t in Answer.objects.values_list("text", flat=True) if t}
    return sorted(texts, key=len, reverse=True)


def without_survey_data(page: str) -> str:
    """The page's own content (the shared navigation is checked by the core's English tests), data removed."""
    if "<main" in page:
        page = page[page.index("<main") :]
    for text in survey_texts():
        page = page.replace(text, " ")
    return page


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("front_desk", "surveys:list"),
        ("front_desk", "surveys:paper"),
        ("front_desk", "surveys:comments"),
        ("cs_supervisor", "surveys:detail"),
        ("cs_supervisor", "surveys:questionnaires"),
        ("cs_supervisor", "surveys:questionnaire_edit"),
        ("cs_supervisor", "surveys:round_new"),
    ],
)
def test_the_survey_pages_in_english_have_no_chinese_but_the_data(world, sw, client_for, who, page):
    services.submit_response(
        sw.household("5-1-0101"), answers(sw, service="fair", comment="电梯太慢"), channel="sms_link"
    )
    client = client_for(world.staff[who])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    if page == "surveys:questionnaire_edit":
        url = reverse(page, args=[sw.questionnaire.pk])
    elif page in ("surveys:list", "surveys:questionnaires", "surveys:round_new"):
        url = reverse(page)
    else:
        url = reverse(page, args=[sw.round.pk])
    response = client.get(url)
    assert response.status_code == 200
    left = chinese_left(without_survey_data(response.content.decode()))
    assert left == [], left


def test_the_link_page_in_english(client, sw):
    client.cookies["django_language"] = "en"
    url = reverse("survey_public:answer", args=[services.link_token(sw.household("5-1-0101"))])
    page = client.get(url).content.decode()
    assert "Owners' opinion survey" in page and "Very satisfied" in page
    left = chinese_left(without_survey_data(page))
    assert left == [], left
