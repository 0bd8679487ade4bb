"""GET /api/v1/reports/…: the figures of the report pages as JSON for other systems.

Same rules as the pages: Cap.REPORTS_VIEW, only the estates the user serves (another estate is 403),
``month=YYYY-MM`` or ``start``/``end`` (YYYY-MM-DD), optional ``estate``; bad input is a 400 with the reason.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shouwen.access.permissions import HasCapability
from shouwen.access.roles import Cap
from shouwen.core.params import parse_id
from shouwen.reports import services
from shouwen.reports.periods import Period

PERIOD_PARAMS = [
    OpenApiParameter("month", OpenApiTypes.STR, description=gettext_lazy("统计月份 YYYY-MM（默认本月）")),
    OpenApiParameter("start", OpenApiTypes.DATE, description=gettext_lazy("区间开始日期（与 end 一起使用）")),
    OpenApiParameter("end", OpenApiTypes.DATE, description=gettext_lazy("区间结束日期（含当天）")),
    OpenApiParameter(
        "estate", OpenApiTypes.INT, description=gettext_lazy("只统计该小区（默认全部所服务小区）")
    ),
]


class ReportAPIView(APIView):
    permission_classes = [HasCapability]
    read_cap = Cap.REPORTS_VIEW
    write_cap = Cap.REPORTS_VIEW

    def scope(self, request: Request) -> tuple[Period, list[int]]:
        try:
            period = Period.parse(
                request.query_params.get("month"),
                request.query_params.get("start"),
                request.query_params.get("end"),
            )
        except ValidationError as exc:
            raise ParseError(" ".join(exc.messages)) from None
        raw = request.query_params.get("estate", "")
        estate_id = parse_id(raw)
        if raw and estate_id is None:
            raise ParseError(_("小区参数无效"))
        return period, services.report_estate_ids(request.user, estate_id)

    @staticmethod
    def head(period: Period, ids: list[int]) -> dict[str, Any]:
        return {
            "period": {"start": period.start, "end": period.end, "label": period.label},
            "estates": [{"id": e.pk, "code": e.code, "name": e.name} for e in services.estates_named(ids)],
        }


class MonthlyReportAPIView(ReportAPIView):
    """The month's contacts by category, per estate, department, channel and staff, with the comparisons."""

    @extend_schema(parameters=PERIOD_PARAMS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        period, ids = self.scope(request)
        report = services.build_monthly_report(ids, period)
        return Response(
            {
                **self.head(period, ids),
                "comparison": report.comparison.as_dict(),
                "tables": {key: t.as_dict() for key, t in report.tables.items()},
                "rates": [r.as_dict() for r in report.rates],
                "analysis": report.analysis,
            }
        )


class RatesAPIView(ReportAPIView):
    """Every rate with its definition, counts and target, in total and per estate."""

    @extend_schema(parameters=PERIOD_PARAMS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        period, ids = self.scope(request)
        goal = services.targets()
        figures = services.rate_figures(ids, period)
        return Response(
            {
                **self.head(period, ids),
                "rates": [r.as_dict() for r in services.rates_from(services.sum_figures(figures), goal)],
                "by_estate": {
                    str(i): [r.as_dict() for r in services.rates_from(figures.get(i, {}), goal)] for i in ids
                },
            }
        )


class RecurringAPIView(ReportAPIView):
    """Recurring problems: places × categories, repeat callers, cases reopened twice or more, developer defects."""

    @extend_schema(parameters=PERIOD_PARAMS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        period, ids = self.scope(request)
        rec = services.recurring_problems(ids, period)
        return Response(
            {
                **self.head(period, ids),
                **{t.key: t.as_dict() for t in (rec.places, rec.callers, rec.reopened, rec.developer)},
            }
        )


class DashboardAPIView(ReportAPIView):
    """The dashboard's chart data: trend by month, category mix, overdue by department, handovers by age."""

    @extend_schema(parameters=PERIOD_PARAMS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        period, ids = self.scope(request)
        now = timezone.now()
        rates = services.rates_from(
            services.sum_figures(services.rate_figures(ids, period, now)), services.targets()
        )
        charts = services.dashboard_figures(ids, period, now)
        charts["satisfaction"] = services.satisfaction_chart(rates)
        return Response({**self.head(period, ids), **charts})
