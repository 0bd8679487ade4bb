"""API of the monthly summary: read (Cap.REPORTS_VIEW), open, save, submit and revise (Cap.SUMMARY_WRITE)."""

from __future__ import annotations

from datetime import date
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
from shouwen.api.serializers.summaries import (
    MonthlySummarySerializer,
    StartSummarySerializer,
    SubmitSummarySerializer,
    SummaryTextSerializer,
)
from shouwen.api.views.cases import CONFLICT, DENIED, INVALID, CaseServiceViewSet, Conflict
from shouwen.reports import summaries
from shouwen.reports.models import MonthlySummary


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT, description=gettext_lazy("只列出该小区的月度总结")),
        ],
        description=gettext_lazy("所服务小区的月度工作总结（每个版本一行），最近的月份在前。"),
    )
)
class MonthlySummaryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CaseServiceViewSet):
    """Monthly summaries of the user's estates; every revision is kept."""

    queryset = MonthlySummary.objects.select_related("submitted_by", "updated_by")
    serializer_class = MonthlySummarySerializer
    read_cap = Cap.REPORTS_VIEW
    write_cap = Cap.SUMMARY_WRITE

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().order_by("-month", "estate_id", "-revision")

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(estate_id=estate)
        return queryset

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, summaries.SummaryConflict):
            exc = Conflict(str(exc))
        return super().handle_exception(exc)

    def answer(self, summary: MonthlySummary, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=summary.pk)
        return Response(MonthlySummarySerializer(fresh).data, status=status)

    @extend_schema(
        request=StartSummarySerializer,
        responses={200: MonthlySummarySerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy("打开某小区某月的月度总结：没有时根据该月数据生成草稿；返回最新版本。"),
    )
    def create(self, request: Request) -> Response:
        """Open (or draft) the estate's summary of the month."""
        params = self.params(StartSummarySerializer)
        year, month = (int(x) for x in params["month"].split("-"))
        summary = summaries.start_summary(self.acting_staff(), params["estate"], date(year, month, 1))
        return self.answer(summary)

    @extend_schema(
        request=SummaryTextSerializer,
        responses={200: MonthlySummarySerializer, 400: INVALID, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy("保存草稿的修改（已提交的版本不能修改）。"),
    )
    @action(detail=True, methods=["post"])
    def save(self, request: Request, pk: str | None = None) -> Response:
        """Save a draft's texts."""
        summary = summaries.save_summary(
            self.acting_staff(), self.get_object(), **self.params(SummaryTextSerializer)
        )
        return self.answer(summary)

    @extend_schema(
        request=SubmitSummarySerializer,
        responses={200: MonthlySummarySerializer, 400: INVALID, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy("提交月度总结（记录提交人和时间），提交后只读。"),
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit a draft."""
        summary = summaries.submit_summary(
            self.acting_staff(), self.get_object(), **self.params(SubmitSummarySerializer)
        )
        return self.answer(summary)

    @extend_schema(
        request=None,
        responses={201: MonthlySummarySerializer, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy("在最新的已提交版本上生成新版本（复制原文，可修改后再次提交）。"),
    )
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str | None = None) -> Response:
        """Start a new revision of a submitted summary."""
        summary = summaries.revise_summary(self.acting_staff(), self.get_object())
        return self.answer(summary, status=201)
