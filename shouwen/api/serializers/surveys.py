"""Serializers of the opinion survey: questionnaires, rounds, results, paper forms and comments."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from shouwen.api.serializers.base import ScopedPrimaryKeyRelatedField
from shouwen.api.serializers.cases import StaffRefSerializer
from shouwen.api.serializers.homevisits import VISIT_CASE_CATEGORIES
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Estate, Unit
from shouwen.surveys.models import (
    Answer,
    Question,
    QuestionKind,
    Questionnaire,
    Rating,
    ServiceKind,
    SurveyRound,
)


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "position", "kind", "service", "text"]
        read_only_fields = fields


class QuestionnaireSerializer(serializers.ModelSerializer):
    """A questionnaire version and its questions; ``frozen`` once a round has used it."""

    questions = QuestionSerializer(many=True, read_only=True)
    frozen = serializers.BooleanField(read_only=True)
    created_by = StaffRefSerializer(read_only=True)

    class Meta:
        model = Questionnaire
        fields = [
            "id",
            "title",
            "intro",
            "version",
            "previous",
            "frozen",
            "questions",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class QuestionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    text = serializers.CharField(max_length=200)
    service = serializers.ChoiceField(
        choices=ServiceKind.choices, required=False, allow_blank=True, default=""
    )


class SaveQuestionnaireSerializer(serializers.Serializer):
    """A questionnaire to save: a new one, or (``revise``) the next version of one a round has used."""

    title = serializers.CharField(max_length=100)
    intro = serializers.CharField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX)
    questions = QuestionInputSerializer(many=True)


class SurveyRoundSerializer(serializers.ModelSerializer):
    households = serializers.IntegerField(read_only=True, source="n_households")
    responded = serializers.IntegerField(read_only=True, source="n_responses")

    class Meta:
        model = SurveyRound
        fields = [
            "id",
            "estate",
            "questionnaire",
            "title",
            "opens_on",
            "closes_on",
            "send_sms",
            "households",
            "responded",
            "created_at",
        ]
        read_only_fields = fields


class StartRoundSerializer(serializers.Serializer):
    """Open a round in each estate named: households are the units occupied on ``opens_on``."""

    questionnaire = serializers.PrimaryKeyRelatedField(queryset=Questionnaire.objects.all())
    estates = ScopedPrimaryKeyRelatedField(queryset=Estate.objects.all(), many=True)
    title = serializers.CharField(max_length=100)
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    send_sms = serializers.BooleanField(required=False, default=True)

    def validate_questionnaire(self, value: Questionnaire) -> Questionnaire:
        staff = self.context["staff"]
        if value.company_id != staff.company_id:
            raise serializers.ValidationError(gettext_lazy("请选择本公司的问卷。"))
        return value


class AnswerInputSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    rating = serializers.ChoiceField(choices=Rating.choices, required=False, allow_blank=True, default="")
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX)


class PaperFormSerializer(serializers.Serializer):
    """A paper form typed in by staff: the household's unit and its answers."""

    unit = ScopedPrimaryKeyRelatedField(queryset=Unit.objects.all())
    answers = AnswerInputSerializer(many=True)

    def answer_map(self) -> dict[int, str]:
        return {a["question"]: a["rating"] or a["text"] for a in self.validated_data["answers"]}


class ResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.IntegerField(source="household.unit_id")
    channel = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    entered_by = StaffRefSerializer(allow_null=True)
    entered_at = serializers.DateTimeField(allow_null=True)


class QuestionResultSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    position = serializers.IntegerField()
    text = serializers.CharField()
    service = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text=gettext_lazy("各评价的户数"))
    answered = serializers.IntegerField(help_text=gettext_lazy("评价了该服务的户数"))
    satisfied = serializers.IntegerField(help_text=gettext_lazy("很满意 + 满意"))
    satisfaction = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class RoundResultSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    estate = serializers.IntegerField()
    households = serializers.IntegerField()
    responded = serializers.IntegerField()
    response_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    by_channel = serializers.DictField(child=serializers.IntegerField())
    comments = serializers.IntegerField()
    services = QuestionResultSerializer(many=True)


def round_result_data(result: Any) -> dict[str, Any]:
    return {
        "round": result.round.pk,
        "estate": result.round.estate_id,
        "households": result.households,
        "responded": result.responded,
        "response_rate": result.response_rate,
        "by_channel": result.by_channel,
        "comments": result.comments,
        "services": [q.as_dict() for q in result.questions],
    }


class AnswerSerializer(serializers.ModelSerializer):
    """An answer (a rating or a written comment), its household's unit and the case a comment became."""

    round = serializers.IntegerField(source="response.round_id", read_only=True)
    unit = serializers.IntegerField(source="response.household.unit_id", read_only=True)
    unit_label = serializers.CharField(source="response.household.unit.label", read_only=True)
    channel = serializers.CharField(source="response.channel", read_only=True)
    submitted_at = serializers.DateTimeField(source="response.submitted_at", read_only=True)
    question_text = serializers.CharField(source="question.text", read_only=True)
    question_kind = serializers.CharField(source="question.kind", read_only=True)
    case = serializers.SerializerMethodField(help_text=gettext_lazy("意见登记成的事项编号"))

    class Meta:
        model = Answer
        fields = [
            "id",
            "round",
            "unit",
            "unit_label",
            "channel",
            "submitted_at",
            "question",
            "question_kind",
            "question_text",
            "rating",
            "text",
            "case",
        ]
        read_only_fields = fields

    def get_case(self, answer: Answer) -> str | None:
        return answer.case.number if answer.case is not None else None


class CommentCaseSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=VISIT_CASE_CATEGORIES)
