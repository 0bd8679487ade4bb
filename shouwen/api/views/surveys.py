"""API of the opinion survey under /api/v1/surveys/: questionnaires, rounds, results, paper forms, comments.

Same services and rules as the pages; a household answers once (a second form is a 400 naming the first).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.access.roles import Cap
from shouwen.access.scope import staff_of
from shouwen.api.serializers.surveys import (
    AnswerSerializer,
    CommentCaseSerializer,
    PaperFormSerializer,
    QuestionnaireSerializer,
    ResponseSerializer,
    RoundResultSerializer,
    SaveQuestionnaireSerializer,
    StartRoundSerializer,
    SurveyRoundSerializer,
    round_result_data,
)
from shouwen.api.views.cases import DENIED, INVALID, CaseServiceViewSet, _choice_param
from shouwen.surveys import services
from shouwen.surveys.models import Answer, QuestionKind, Questionnaire, ResponseChannel, SurveyRound


class QuestionnaireViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CaseServiceViewSet):
    """The company's questionnaire versions; supervisors write them (Cap.SURVEY_MANAGE)."""

    queryset = Questionnaire.objects.prefetch_related("questions").select_related("created_by")
    serializer_class = QuestionnaireSerializer
    read_cap = Cap.SURVEY_ENTER
    write_cap = Cap.SURVEY_MANAGE

    def get_queryset(self) -> QuerySet[Any]:
        # Questionnaires belong to the company, not to an estate.
        staff = staff_of(self.request.user)
        if staff is None or staff.company_id is None:
            return self.queryset.none()
        return self.queryset.filter(company_id=staff.company_id).order_by("-created_at", "-pk")

    def check_object_permissions(self, request: Request, obj: Any) -> None:
        """The company filter of ``get_queryset`` is the scope (a questionnaire has no estate)."""
        for permission in self.get_permissions():
            if not permission.has_permission(request, self):
                self.permission_denied(request)

    def _save(self, questionnaire: Questionnaire | None) -> Questionnaire:
        data = self.params(SaveQuestionnaireSerializer)
        questions = [services.QuestionInput(**q) for q in data.pop("questions")]
        return services.save_questionnaire(
            self.acting_staff(), questions=questions, questionnaire=questionnaire, **data
        )

    @extend_schema(
        request=SaveQuestionnaireSerializer,
        responses={201: QuestionnaireSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy("新建问卷：每项服务一道满意度评价题（很满意…很不满意）和意见建议题。"),
    )
    def create(self, request: Request) -> Response:
        saved = self._save(None)
        return Response(QuestionnaireSerializer(self.get_queryset().get(pk=saved.pk)).data, status=201)

    @extend_schema(
        request=SaveQuestionnaireSerializer,
        responses={201: QuestionnaireSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy("修改问卷：已用于征询的版本不变，保存为新版本（已填写的答卷保留原题目）。"),
    )
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str | None = None) -> Response:
        saved = self._save(self.get_object())
        return Response(QuestionnaireSerializer(self.get_queryset().get(pk=saved.pk)).data, status=201)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT, description=gettext_lazy("只列出该小区的征询"))
        ],
        description=gettext_lazy("所服务小区的征询轮次，含征询住户数和已填写户数。"),
    )
)
class SurveyRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CaseServiceViewSet):
    """Rounds of the user's estates: start (SURVEY_MANAGE), enter paper forms (SURVEY_ENTER), results."""

    queryset = SurveyRound.objects.select_related("estate", "questionnaire")
    serializer_class = SurveyRoundSerializer
    read_cap = Cap.SURVEY_ENTER
    write_cap = Cap.SURVEY_MANAGE
    action_caps = {"results": Cap.SURVEY_RESULTS, "responses": Cap.SURVEY_ENTER}

    def get_queryset(self) -> QuerySet[Any]:
        return (
            super()
            .get_queryset()
            .annotate(
                n_households=Count("households", distinct=True), n_responses=Count("responses", distinct=True)
            )
            .order_by("-opens_on", "-pk")
        )

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        return queryset.filter(estate_id=estate) if estate is not None else queryset

    @extend_schema(
        request=StartRoundSerializer,
        responses={201: SurveyRoundSerializer(many=True), 400: INVALID, 403: DENIED},
        description=gettext_lazy(
            "发起征询：每个小区一轮，开始日有人居住的房屋为征询住户；send_sms 时有手机号的住户分批收到填写链接。"
        ),
    )
    def create(self, request: Request) -> Response:
        staff = self.acting_staff()
        rounds = services.start_rounds(staff, **self.params(StartRoundSerializer, staff=staff))
        fresh = self.get_queryset().filter(pk__in=[r.pk for r in rounds])
        return Response(SurveyRoundSerializer(fresh, many=True).data, status=201)

    @extend_schema(
        responses={200: RoundResultSerializer, 403: DENIED},
        description=gettext_lazy(
            "结果：回收率 = 已填写户数 ÷ 征询住户；各服务的评价分布和满意率 =（很满意 + 满意）÷ 评价户数。"
        ),
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        return Response(
            RoundResultSerializer(round_result_data(services.round_results(self.get_object()))).data
        )

    @extend_schema(
        request=PaperFormSerializer,
        responses={201: ResponseSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy(
            "录入一份纸质表（记录录入人和时间）；每户只计一份，已填写的住户再次录入将被拒绝。"
        ),
    )
    @action(detail=True, methods=["post"])
    def responses(self, request: Request, pk: str | None = None) -> Response:
        survey = self.get_object()
        body = PaperFormSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        household = services.household_for_unit(survey, body.validated_data["unit"])
        response = services.submit_response(
            household, body.answer_map(), channel=ResponseChannel.PAPER, staff=self.acting_staff()
        )
        return Response(ResponseSerializer(response).data, status=201)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("round", OpenApiTypes.INT, description=gettext_lazy("只列出该轮征询的答案")),
            OpenApiParameter(
                "kind", OpenApiTypes.STR, enum=QuestionKind.values, description=gettext_lazy("题目类型")
            ),
        ],
        description=gettext_lazy(
            "所服务小区住户的答案（评价和意见建议），最近的在前；kind=comment 只列出写了意见的。"
        ),
    )
)
class SurveyAnswerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CaseServiceViewSet):
    """The answers of the forms; a written comment that asks for action becomes a case (once)."""

    queryset = Answer.objects.select_related("question", "response__household__unit__building", "case")
    serializer_class = AnswerSerializer
    read_cap = Cap.SURVEY_ENTER
    write_cap = Cap.SURVEY_ENTER

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().order_by("-response__submitted_at", "-pk")

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        survey = self.int_param("round")
        if survey is not None:
            queryset = queryset.filter(response__round_id=survey)
        kind = _choice_param(self, "kind", QuestionKind.values)
        if kind == QuestionKind.COMMENT:
            queryset = queryset.filter(question__kind=kind).exclude(text="")
        elif kind:
            queryset = queryset.filter(question__kind=kind)
        return queryset

    @extend_schema(
        request=CommentCaseSerializer,
        responses={200: AnswerSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy(
            "把需要处理的意见登记为事项（该户的房屋和住户；纸质表为来函，网上填写为网站/手机），只登记一次。"
        ),
    )
    @action(detail=True, methods=["post"])
    def case(self, request: Request, pk: str | None = None) -> Response:
        answer = self.get_object()
        services.comment_to_case(self.acting_staff(), answer, **self.params(CommentCaseSerializer))
        return Response(AnswerSerializer(self.get_queryset().get(pk=answer.pk)).data)
