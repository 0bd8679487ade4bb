"""The survey's fixed dataset: 丽景园 with six occupied households, one empty flat and one moved out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.utils import timezone

from shouwen.directory.models import Building, Occupancy, Resident, Unit
from shouwen.directory.services import create_resident
from shouwen.surveys import services
from shouwen.surveys.models import Household, QuestionKind, Questionnaire, SurveyRound


@dataclass
class SurveyWorld:
    questionnaire: Questionnaire
    round: SurveyRound
    other_round: SurveyRound
    units: dict[str, Unit] = field(default_factory=dict)

    def household(self, label: str) -> Household:
        return Household.objects.get(round=self.round, unit=self.units[label])

    def question(self, key: str) -> int:
        """The id of the rating question of a service, or of the comment question ("comment")."""
        q = self.questionnaire.questions
        if key == "comment":
            return q.get(kind=QuestionKind.COMMENT).pk
        return q.get(service=key).pk


QUESTIONS = [
    services.QuestionInput("rating", "您对客服中心的服务是否满意？", "service"),
    services.QuestionInput("rating", "您对维修服务是否满意？", "engineering"),
    services.QuestionInput("rating", "您对小区环境卫生是否满意？", "environment"),
    services.QuestionInput("comment", "您还有哪些意见和建议？"),
]


@pytest.fixture
def sw(world):
    """Building 5 of 丽景园: 5-1-0101…0104 occupied, 0105 empty, 0106 moved out last year; one round open."""
    return build(world)


@pytest.fixture
def live_sw(live_world):
    """The same, committed for a live server."""
    return build(live_world)


def build(world) -> SurveyWorld:  # noqa: ANN001 - the World of shouwen.core.testing
    b5 = Building.objects.create(estate=world.estate, code="5", name="5栋", floors=6, entrances=1)
    units = {}
    for n in range(1, 7):
        units[f"5-1-010{n}"] = Unit.objects.create(building=b5, entrance="1", number=f"010{n}", floor=1)
    for n, phone in ((1, "13600000001"), (2, ""), (3, "13600000003"), (4, "0571-88000004")):
        create_resident(
            estate=world.estate,
            name=f"住户{n}",
            phones=[phone] if phone else [],
            units=[(units[f"5-1-010{n}"], "owner")],
        )
    gone = Resident.objects.create(estate=world.estate, name="已搬走")
    Occupancy.objects.create(
        resident=gone,
        unit=units["5-1-0106"],
        role="owner",
        start_date=date(2020, 1, 1),
        end_date=timezone.localdate() - timedelta(days=200),
    )
    units["3-2-1502"] = world.units["3-2-1502"]
    units["3-1-0801"] = world.units["3-1-0801"]
    supervisor = world.staff["cs_supervisor"]
    questionnaire = services.save_questionnaire(supervisor, title="业主意见征询表", questions=QUESTIONS)
    today = timezone.localdate()
    (survey,) = services.start_rounds(
        supervisor,
        questionnaire=questionnaire,
        estates=[world.estate],
        title="2026 年度业主意见征询",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
    )
    (other,) = services.start_rounds(
        world.staff["admin"],
        questionnaire=questionnaire,
        estates=[world.other_estate],
        title="2026 年度业主意见征询",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
    )
    return SurveyWorld(questionnaire, survey, other, units)


def answers(sw: SurveyWorld, **values: str) -> dict[int, str]:
    """Map ``service="satisfied", comment="..."`` to question ids."""
    return {sw.question(key): value for key, value in values.items()}
