"""Monthly summary pages: the list by month, one summary (edit, submit, new revision), its print view."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset
from shouwen.core.action_views import acting_staff
from shouwen.core.params import parse_id
from shouwen.directory.models import Estate
from shouwen.reports import summaries
from shouwen.reports.models import MonthlySummary, SummaryStatus


def _month(raw: str) -> date | None:
    try:
        year, month = (int(x) for x in raw.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


class SummaryListView(CapabilityRequiredMixin, TemplateView):
    """Every month's summaries of the estates served, the latest revision of each; start this month's."""

    required_cap = Cap.REPORTS_VIEW
    method_caps = {"post": Cap.SUMMARY_WRITE}
    template_name = "reports/summaries.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        rows = scope_queryset(
            MonthlySummary.objects.select_related("estate", "submitted_by"), self.request.user
        )
        latest: dict[tuple[int, date], MonthlySummary] = {}
        for row in rows.order_by("-month", "estate__code", "-revision")[:600]:
            latest.setdefault((row.estate_id, row.month), row)
        ctx.update(
            {
                "summaries": list(latest.values()),
                "estates": scope_queryset(Estate.objects.all(), self.request.user).order_by("code"),
                "this_month": f"{timezone.localdate():%Y-%m}",
            }
        )
        return ctx

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        estate_id = parse_id(request.POST.get("estate"))
        estates = scope_queryset(Estate.objects.all(), request.user)
        estate = estates.filter(pk=estate_id).first() if estate_id is not None else None
        month = _month(request.POST.get("month", ""))
        if estate is None or month is None:
            messages.error(request, _("请选择小区和月份（YYYY-MM）。"))
            return HttpResponseRedirect(reverse("reports:summaries"))
        try:
            summary = summaries.start_summary(acting_staff(request), estate, month)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("reports:summaries"))
        return HttpResponseRedirect(reverse("reports:summary", args=[summary.pk]))


class SummaryDetailView(CapabilityRequiredMixin, TemplateView):
    """One revision: a draft is edited and submitted; a submitted one is read-only, a change a new revision."""

    required_cap = Cap.REPORTS_VIEW
    method_caps = {"post": Cap.SUMMARY_WRITE}
    template_name = "reports/summary.html"
    model = MonthlySummary

    def summary(self) -> MonthlySummary:
        qs = scope_queryset(
            MonthlySummary.objects.select_related("estate", "submitted_by", "updated_by"), self.request.user
        )
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        summary = kwargs.get("summary") or self.summary()
        others = summaries.revisions(summary.estate_id, summary.month).select_related("submitted_by")
        latest = others.first()
        ctx.update(
            {
                "summary": summary,
                "revisions": others,
                "is_latest": latest is not None and latest.pk == summary.pk,
                "editable": summary.status == SummaryStatus.DRAFT,
                "errors": kwargs.get("errors", {}),
            }
        )
        return ctx

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        summary = self.summary()
        staff = acting_staff(request)
        step = request.POST.get("step", "save")
        text, plan = request.POST.get("summary", ""), request.POST.get("plan", "")
        try:
            if step == "revise":
                summary = summaries.revise_summary(staff, summary)
                messages.success(
                    request, _("已生成第 %(n)s 版，可修改后再次提交。") % {"n": summary.revision}
                )
            elif step == "submit":
                summary = summaries.submit_summary(staff, summary, summary_text=text, plan_text=plan)
                messages.success(request, _("月度总结已提交。"))
            else:
                summary = summaries.save_summary(staff, summary, summary_text=text, plan_text=plan)
                messages.success(request, _("已保存草稿。"))
        except ValidationError as exc:
            summary.summary, summary.plan = text, plan
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"summary": exc.messages}
            return self.render_to_response(self.get_context_data(summary=summary, errors=errors))
        except (summaries.SummaryConflict, PermissionDenied) as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("reports:summary", args=[summary.pk]))


class SummaryPrintView(SummaryDetailView):
    """The summary alone, laid out for paper (the browser's print)."""

    http_method_names = ["get"]
    template_name = "reports/summary_print.html"
