"""API of home visits: areas, visit records, the day's plan and coverage; same rules as the pages."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.access.roles import Cap
from shouwen.access.scope import visible_estate_ids
from shouwen.api.serializers.homevisits import (
    CoverageSerializer,
    HomeVisitSerializer,
    PlanSerializer,
    RecordVisitSerializer,
    SetAreaSerializer,
    VisitAreaSerializer,
    VisitCaseSerializer,
)
from shouwen.api.views.cases import DENIED, INVALID, CaseServiceViewSet, _choice_param
from shouwen.homevisits import services
from shouwen.homevisits.models import HomeVisit, Outcome, VisitArea


class VisitAreaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CaseServiceViewSet):
    """The visit areas of the user's estates; the supervisor assigns them (Cap.HOMEVISIT_MANAGE)."""

    queryset = VisitArea.objects.select_related("assistant").prefetch_related("buildings").order_by("pk")
    serializer_class = VisitAreaSerializer
    read_cap = Cap.HOMEVISIT_WORK
    write_cap = Cap.HOMEVISIT_MANAGE

    @extend_schema(
        request=SetAreaSerializer,
        responses={201: VisitAreaSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy(
            "为客服助理分配走访楼栋（已有责任区的替换为新的楼栋）；一栋楼只属于一个责任区。"
        ),
    )
    def create(self, request: Request) -> Response:
        """Create or replace the assistant's area."""
        area = services.set_area(self.acting_staff(), **self.params(SetAreaSerializer))
        return Response(VisitAreaSerializer(self.get_queryset().get(pk=area.pk)).data, status=201)


def _day_param(request: Request) -> date:
    raw = request.query_params.get("date", "").strip()
    if not raw:
        return timezone.localdate()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({"date": [_("日期格式应为 YYYY-MM-DD")]}) from None
    if not date(2000, 1, 1) <= day <= timezone.localdate() + timedelta(days=31):
        raise ValidationError({"date": [_("只能查看 2000 年以后、一个月以内的走访计划。")]})
    return day


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT, description=gettext_lazy("只列出该小区的走访")),
            OpenApiParameter("unit", OpenApiTypes.INT, description=gettext_lazy("只列出该房屋的走访")),
            OpenApiParameter(
                "outcome", OpenApiTypes.STR, enum=Outcome.values, description=gettext_lazy("结果")
            ),
        ],
        description=gettext_lazy("所服务小区的上门走访记录，最近的在前。"),
    )
)
class HomeVisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CaseServiceViewSet):
    """Home visits of the user's estates: read and record with Cap.HOMEVISIT_WORK; coverage for supervisors."""

    queryset = HomeVisit.objects.select_related("unit__building", "visitor", "companion", "case")
    serializer_class = HomeVisitSerializer
    read_cap = Cap.HOMEVISIT_WORK
    write_cap = Cap.HOMEVISIT_WORK
    action_caps = {"coverage": Cap.HOMEVISIT_MANAGE}

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().order_by("-visited_at", "-pk")

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(estate_id=estate)
        unit = self.int_param("unit")
        if unit is not None:
            queryset = queryset.filter(unit_id=unit)
        outcome = _choice_param(self, "outcome", Outcome.values)
        if outcome:
            queryset = queryset.filter(outcome=outcome)
        return queryset

    def visit_response(self, visit: HomeVisit, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=visit.pk)
        return Response(HomeVisitSerializer(fresh, context=self.get_serializer_context()).data, status=status)

    @extend_schema(
        request=RecordVisitSerializer,
        responses={201: HomeVisitSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy(
            "记录一次上门走访：先电话预约（预约时间）；入户须两人同行；无人在家须留便条；"
            "填写 case_category 时住户意见同时登记为事项。"
        ),
    )
    def create(self, request: Request) -> Response:
        """Record a visit."""
        visit = services.record_visit(self.acting_staff(), **self.params(RecordVisitSerializer))
        return self.visit_response(visit, status=201)

    @extend_schema(
        request=VisitCaseSerializer,
        responses={200: HomeVisitSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy(
            "把走访中住户提出的需要处理的意见登记为事项（来源：来访），并关联到该走访。"
        ),
    )
    @action(detail=True, methods=["post"])
    def case(self, request: Request, pk: str | None = None) -> Response:
        """Register the visit's opinion as a case."""
        visit = self.get_object()
        services.open_case_from_visit(self.acting_staff(), visit, **self.params(VisitCaseSerializer))
        return self.visit_response(visit)

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description=gettext_lazy("计划日期（默认今天）")),
        ],
        responses={200: PlanSerializer, 400: INVALID},
        description=gettext_lazy("本人某日的走访计划（工作日 4–5 户；今天的计划在第一次查看时生成）。"),
    )
    @action(detail=False, methods=["get"])
    def plan(self, request: Request) -> Response:
        """Return the signed-in assistant's plan of the day."""
        day = _day_param(request)
        area = services.area_of(self.acting_staff())
        items = services.plan_for_day(area, day) if area is not None else []
        return Response(PlanSerializer({"day": day, "items": items}).data)

    @extend_schema(
        responses={200: CoverageSerializer, 403: DENIED},
        description=gettext_lazy("走访覆盖率：近 365 天内已走访的住户 ÷ 有人居住的住户，按小区和客服助理。"),
    )
    @action(detail=False, methods=["get"])
    def coverage(self, request: Request) -> Response:
        """Return coverage per estate and per assistant."""
        result = services.coverage(sorted(visible_estate_ids(request.user)))
        return Response(CoverageSerializer(result).data)
