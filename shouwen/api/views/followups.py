"""API of return visits: the queue (scoped by estate), recording a visit, and a call not answered.

The two POST routes call :mod:`shouwen.followups.services` and map its refusals like the case
actions do (403 not allowed, 400 invalid, 409 already recorded). Nothing is deleted.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.access.roles import Cap
from shouwen.api.serializers.followups import (
    NoAnswerSerializer,
    RecordReturnVisitSerializer,
    ReturnVisitSerializer,
)
from shouwen.api.views.cases import CONFLICT, DENIED, INVALID, CaseServiceViewSet, _choice_param
from shouwen.followups import queries, services
from shouwen.followups.models import ReturnVisit, VisitStatus


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=VisitStatus.values,
                description=gettext_lazy("pending 待回访（按回访期限排序）；done 已回访；cancelled 已取消"),
            ),
            OpenApiParameter("estate", OpenApiTypes.INT, description=gettext_lazy("只列出该小区的回访")),
            OpenApiParameter(
                "case", OpenApiTypes.STR, description=gettext_lazy("只列出该事项（编号）的回访")
            ),
        ],
        description=gettext_lazy("所服务小区的回访，按回访期限排序（最早到期的在前）。"),
    )
)
class ReturnVisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CaseServiceViewSet):
    """Return visits of the user's estates, for the service staff who make them (Cap.FOLLOWUP_VISIT)."""

    queryset = ReturnVisit.objects.all()
    serializer_class = ReturnVisitSerializer
    read_cap = Cap.FOLLOWUP_VISIT
    write_cap = Cap.FOLLOWUP_VISIT

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve"):
            queryset = queries.with_queue_columns(queryset).prefetch_related("attempt_records__by")
        return queryset.order_by("due_at", "pk")

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        visit_status = _choice_param(self, "status", VisitStatus.values)
        if visit_status:
            queryset = queryset.filter(status=visit_status)
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(case__estate_id=estate)
        number = self.text_param("case")
        if number:
            queryset = queryset.filter(case__number=number)
        return queryset

    def visit_response(self, visit: ReturnVisit) -> Response:
        """Return the visit as it is after the request."""
        fresh = self.get_queryset().get(pk=visit.pk)
        return Response(ReturnVisitSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(
        request=RecordReturnVisitSerializer,
        responses={200: ReturnVisitSerializer, 400: INVALID, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy(
            "记录回访结果：满意、非常满意、基本满意即办结事项；不满意（须填写住户意见）则事项退回原处理人重新处理，"
            "处理完成后生成下一次回访。"
        ),
    )
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        """Record the result of the visit; the case is closed or reopened accordingly."""
        visit = self.get_object()
        services.record_return_visit(self.acting_staff(), visit, **self.params(RecordReturnVisitSerializer))
        return self.visit_response(visit)

    @extend_schema(
        request=NoAnswerSerializer,
        responses={200: ReturnVisitSerializer, 400: INVALID, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy("记录一次未接通（无人接听、号码有误、住户要求稍后）；回访仍为待回访。"),
    )
    @action(detail=True, methods=["post"], url_path="no-answer")
    def no_answer(self, request: Request, pk: str | None = None) -> Response:
        """Record a call that reached nobody; the attempt is counted and the visit stays pending."""
        visit = self.get_object()
        services.record_no_answer(self.acting_staff(), visit, **self.params(NoAnswerSerializer))
        return self.visit_response(visit)
