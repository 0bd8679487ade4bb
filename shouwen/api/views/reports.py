"""GET /api/v1/reports/…: the figures of the report pages as JSON for other systems.

Same rules as the pages: Cap.REPORTS_VIEW, only the estates the user serves (another estate is 403),
``month=YYYY-MM`` or ``start``/``end`` (YYYY-MM-DD), optional ``estate``; bad input is a 400 with the reason.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shouwen.access.permissions import HasCapability
from shouwen.access.roles import Cap
from shouwen.access.scope import staff_of
from shouwen.core.params import parse_id
from shouwen.reports import assessment, services
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


QUARTER_PARAMS = [
    OpenApiParameter("year", OpenApiTypes.INT, description=gettext_lazy("年份（默认今年）")),
    OpenApiParameter("quarter", OpenApiTypes.INT, description=gettext_lazy("季度 1–4（默认本季度）")),
    OpenApiParameter(
        "estate", OpenApiTypes.INT, description=gettext_lazy("只统计该小区（默认全部所服务小区）")
    ),
]


class AssessmentEntrySerializer(serializers.Serializer):
    """The entered scores of one department's quarter (0–100; empty for not yet known)."""

    department = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    self_check_score = serializers.CharField(required=False, allow_blank=True, max_length=12, default="")
    inspection_score = serializers.CharField(required=False, allow_blank=True, max_length=12, default="")
    survey_satisfaction = serializers.CharField(required=False, allow_blank=True, max_length=12, default="")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _assessment_row(row: assessment.DepartmentScore) -> dict[str, Any]:
    return {
        "department": {"id": row.department.pk, "name": row.department.name},
        "estate": row.department.estate.code,
        "self_check_score": _number(row.self_check),
        "inspection_score": _number(row.inspection),
        "survey_satisfaction": _number(row.survey),
        "survey_from_system": row.survey_from_system,
        "survey_from_questionnaire": row.survey_from_questionnaire,
        "complaints": row.complaints,
        "complaint_score": _number(row.complaint_score),
        "score": _number(row.score),
        "missing": [str(m) for m in row.missing],
        "entered_by": row.entry.entered_by.name if row.entry and row.entry.entered_by else None,
        "entered_at": row.entry.entered_at if row.entry else None,
    }


class AssessmentAPIView(ReportAPIView):
    """The quarterly department assessment (004 服务质量管理办法): read it, and enter the scores not in the system."""

    write_cap = Cap.ASSESSMENT_ENTER

    def quarter(self, request: Request) -> tuple[int, int]:
        today = timezone.localdate()
        raw_year, raw_quarter = request.query_params.get("year", ""), request.query_params.get("quarter", "")
        year = parse_id(raw_year) if raw_year else today.year
        quarter = parse_id(raw_quarter) if raw_quarter else (today.month - 1) // 3 + 1
        if year is None or quarter is None or not 1 <= quarter <= 4 or not 2000 <= year <= 2100:
            raise ParseError(_("季度无效"))
        return year, quarter

    def result(self, request: Request, year: int, quarter: int) -> dict[str, Any]:
        raw = request.query_params.get("estate", "")
        estate_id = parse_id(raw)
        if raw and estate_id is None:
            raise ParseError(_("小区参数无效"))
        ids = services.report_estate_ids(request.user, estate_id)
        result = assessment.quarterly_scores(request.user, ids, year, quarter)
        weights = result.weights
        return {
            "year": year,
            "quarter": quarter,
            "period": {"start": result.period.start, "end": result.period.end, "label": result.period.label},
            "weights": None
            if weights is None
            else {
                "self_check": float(weights.self_check),
                "inspection": float(weights.inspection),
                "survey": float(weights.survey),
                "complaints": float(weights.complaints),
                "points_per_complaint": float(weights.points_per_complaint),
            },
            "departments": [_assessment_row(r) for r in result.rows],
        }

    @extend_schema(parameters=QUARTER_PARAMS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        year, quarter = self.quarter(request)
        return Response(self.result(request, year, quarter))

    @extend_schema(request=AssessmentEntrySerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        """Record or correct one department's entered scores; answers with the department's row."""
        body = AssessmentEntrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        staff = staff_of(request.user)
        if staff is None:
            raise PermissionDenied(_("只有员工可以录入考核分数"))
        entry = assessment.enter_scores(
            staff,
            department_id=data["department"],
            year=data["year"],
            quarter=data["quarter"],
            self_check=data["self_check_score"],
            inspection=data["inspection_score"],
            survey=data["survey_satisfaction"],
            note=data["note"],
        )
        ids = [entry.department.estate_id]
        result = assessment.quarterly_scores(request.user, ids, data["year"], data["quarter"])
        row = next(r for r in result.rows if r.department.pk == entry.department_id)
        return Response(_assessment_row(row))
