"""Report pages: the monthly statistics and rates, recurring problems, dashboards, exports, the assessment.

Every page needs Cap.REPORTS_VIEW and counts only the estates the user serves; asking for another
estate is refused.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from shouwen.access.permissions import CapabilityRequiredMixin
from shouwen.access.roles import Cap
from shouwen.access.scope import is_company_wide, staff_of
from shouwen.core.params import parse_id
from shouwen.reports import assessment, services
from shouwen.reports.periods import Period


class ReportMixin(CapabilityRequiredMixin):
    """Reads the period (month=, or start= and end=) and the estate (estate=) of a report."""

    required_cap = Cap.REPORTS_VIEW
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.input_error = ""
        try:
            self.period = Period.parse(
                request.GET.get("month"), request.GET.get("start"), request.GET.get("end")
            )
        except ValidationError as exc:
            self.input_error = " ".join(exc.messages)
            self.period = Period.current_month()
        raw_estate = request.GET.get("estate", "")
        self.estate_id = parse_id(raw_estate)
        if raw_estate and self.estate_id is None:
            self.input_error = _("小区参数无效")
        return super().dispatch(request, *args, **kwargs)

    def estate_ids(self) -> list[int]:
        return services.report_estate_ids(self.request.user, self.estate_id)

    def base_context(self) -> dict[str, Any]:
        ids = services.report_estate_ids(self.request.user)
        return {
            "period": self.period,
            "input_error": self.input_error,
            "estate_choices": services.estates_named(ids),
            "estate_id": self.estate_id,
            "month_value": f"{self.period.start:%Y-%m}",
            "query": self.period.query() + (f"&estate={self.estate_id}" if self.estate_id else ""),
        }


class ReportPage(ReportMixin, TemplateView):
    """A report page: bad input is shown on the page, answered 400."""

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        return super().render_to_response(context, status=400 if self.input_error else 200, **kwargs)


class MonthlyReportView(ReportPage):
    """/reports/: the month's table by category, the comparisons, every rate against its target, the analysis."""

    template_name = "reports/monthly.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx.update(self.base_context())
        ctx["report"] = services.build_monthly_report(self.estate_ids(), self.period)
        return ctx


class DrillDownView(ReportPage):
    """/reports/cases/: the cases behind one figure of the recurring problems."""

    template_name = "reports/cases.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx.update(self.base_context())
        params = {k: self.request.GET.get(k, "") for k in services.DRILL_FILTERS}
        ctx["cases"] = services.drill_down_cases(self.estate_ids(), self.period, params)
        ctx["filters"] = {k: v for k, v in params.items() if v}
        return ctx


class DashboardView(ReportPage):
    """/dashboard/: charts of the estates served; the company-wide roles also see the estates side by side."""

    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx.update(self.base_context())
        ids = self.estate_ids()
        now = timezone.now()
        goal = services.targets()
        figures = services.rate_figures(ids, self.period, now)
        rates = services.rates_from(services.sum_figures(figures), goal)
        charts = services.dashboard_figures(ids, self.period, now)
        charts["satisfaction"] = services.satisfaction_chart(rates)
        ctx["rates"] = rates
        ctx["charts"] = charts
        ctx["estates"] = services.estates_named(ids)
        compare = is_company_wide(self.request.user) and self.estate_id is None and len(ids) > 1
        if compare:
            table = services.estates_rates_table(ctx["estates"], figures, goal)
            ctx["comparison"] = table
            ctx["charts"]["estates"] = {
                "estates": [e.name for e in ctx["estates"]],
                "rates": [
                    {"name": label, "values": [services._plain(v) for v in values[:-1]]}
                    for label, values in table.rows
                ],
            }
        return ctx


class ExcelExportView(ReportMixin, View):
    """/reports/export.xlsx: every table of the report, a sheet each, numbers as numbers."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if self.input_error:
            messages.error(request, self.input_error)
            return redirect("reports:monthly")
        from shouwen.reports.exports import report_workbook

        report = services.build_monthly_report(self.estate_ids(), self.period)
        response = HttpResponse(
            report_workbook(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="report-{self.period.start:%Y%m%d}.xlsx"'
        return response


class PdfExportView(ReportMixin, View):
    """/reports/report.pdf: the monthly report with its tables, charts and analysis, in Chinese."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if self.input_error:
            messages.error(request, self.input_error)
            return redirect("reports:monthly")
        from shouwen.reports.pdf import report_pdf

        report = services.build_monthly_report(self.estate_ids(), self.period)
        response = HttpResponse(report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="report-{self.period.start:%Y%m%d}.pdf"'
        return response


class AssessmentView(ReportMixin, TemplateView):
    """/reports/assessment/: the quarterly score of each department, its inputs, and entering the missing ones."""

    template_name = "reports/assessment.html"
    method_caps = {"post": Cap.ASSESSMENT_ENTER}

    def quarter(self) -> tuple[int, int]:
        today = timezone.localdate()
        year = parse_id(self.request.GET.get("year") or self.request.POST.get("year")) or today.year
        q = (
            parse_id(self.request.GET.get("quarter") or self.request.POST.get("quarter"))
            or (today.month - 1) // 3 + 1
        )
        if not 1 <= q <= 4 or not 2000 <= year <= 2100:
            raise PermissionDenied(_("季度无效"))
        return year, q

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx.update(self.base_context())
        year, q = self.quarter()
        ctx["year"], ctx["quarter"] = year, q
        ctx["quarters"] = [1, 2, 3, 4]
        ctx["result"] = assessment.quarterly_scores(self.request.user, self.estate_ids(), year, q)
        return ctx

    def post(self, request: HttpRequest) -> HttpResponse:
        year, q = self.quarter()
        staff = staff_of(request.user)
        if staff is None:
            raise PermissionDenied(_("只有员工可以录入考核分数"))
        try:
            assessment.enter_scores(
                staff,
                department_id=parse_id(request.POST.get("department")),
                year=year,
                quarter=q,
                self_check=request.POST.get("self_check_score", ""),
                inspection=request.POST.get("inspection_score", ""),
                survey=request.POST.get("survey_satisfaction", ""),
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已保存考核分数"))
        return redirect(f"{request.path}?year={year}&quarter={q}")
