"""The open surveys on the residents' portal: /r/surveys/ (pages) and /api/portal/v1/surveys/ (API).

A resident sees the rounds open today for the units they live in now, and answers for the household
(one form per household, whoever of the family answers first; the same rules as the link).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.directory.models import Resident
from shouwen.portal import auth
from shouwen.portal.api_auth import PortalView
from shouwen.portal.views_auth import page
from shouwen.surveys import services
from shouwen.surveys.models import Household, Rating, ResponseChannel
from shouwen.surveys.views import answer_form_response


def _household(resident: Resident, pk: int) -> Household:
    household = (
        services.open_rounds_for(resident).filter(pk=pk).select_related("round__questionnaire").first()
    )
    if household is None:
        raise Http404
    return household


@never_cache
@auth.resident_required
def open_surveys(request: HttpRequest) -> HttpResponse:
    """The surveys open now for my units, answered or not."""
    resident: Resident = request.resident  # type: ignore[attr-defined]
    return page(request, "surveys/portal_list.html", {"households": list(services.open_rounds_for(resident))})


@never_cache
@auth.resident_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """My household's form of an open round (refused politely once the household has answered)."""
    resident: Resident = request.resident  # type: ignore[attr-defined]
    household = _household(resident, pk)
    return answer_form_response(
        request,
        household,
        ResponseChannel.PORTAL,
        resident=resident,
        template="surveys/portal_answer.html",
        extra={"portal_resident": resident, "portal_signed_in": True},
    )


# ── API ──────────────────────────────────────────────────────────────────────────────────────


class PortalQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.CharField()
    service = serializers.CharField()
    text = serializers.CharField()


class PortalSurveySerializer(serializers.Serializer):
    household = serializers.IntegerField(source="pk")
    estate = serializers.CharField(source="round.estate.name")
    unit = serializers.CharField(source="unit.label")
    title = serializers.CharField(source="round.title")
    closes_on = serializers.DateField(source="round.closes_on")
    answered_at = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_answered_at(self, household: Household) -> str | None:
        response = getattr(household, "response", None) if hasattr(household, "response") else None
        return response.submitted_at.isoformat() if response is not None else None

    @extend_schema_field(PortalQuestionSerializer(many=True))
    def get_questions(self, household: Household) -> list[dict[str, Any]]:
        return PortalQuestionSerializer(household.round.questionnaire.questions.all(), many=True).data  # type: ignore[return-value]


class PortalAnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    rating = serializers.ChoiceField(choices=Rating.choices, required=False, allow_blank=True, default="")
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class PortalFormSerializer(serializers.Serializer):
    answers = PortalAnswerSerializer(many=True)


class SurveysView(PortalView):
    """The surveys open now for my units."""

    @extend_schema(responses={200: PortalSurveySerializer(many=True)}, tags=["portal"])
    def get(self, request: Request) -> Response:
        """List the open surveys of my households, with their questions and whether they were answered."""
        households = services.open_rounds_for(self.resident).select_related("round__questionnaire")
        return Response(PortalSurveySerializer(households, many=True).data)


class SurveyAnswerView(PortalView):
    """Answer my household's form (once per household)."""

    @extend_schema(request=PortalFormSerializer, responses={201: PortalSurveySerializer}, tags=["portal"])
    def post(self, request: Request, pk: int) -> Response:
        """Send my household's answers: a rating code per rating question, text per comment question."""
        household = _household(self.resident, pk)
        body = PortalFormSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = {a["question"]: a["rating"] or a["text"] for a in body.validated_data["answers"]}
        try:
            services.submit_response(
                household, values, channel=ResponseChannel.PORTAL, resident=self.resident
            )
        except DjangoValidationError as exc:
            raise ValidationError(serializers.as_serializer_error(exc)) from None
        return Response(PortalSurveySerializer(_household(self.resident, pk)).data, status=201)
