"""Pages of the daily routine: the morning review, the patrol report on the phone, reading reports."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin, can
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset
from shouwen.cases import transitions
from shouwen.cases.filters import DATE_MAX, DATE_MIN
from shouwen.core.action_views import acting_staff
from shouwen.directory.models import Estate
from shouwen.rounds import services
from shouwen.rounds.forms import FINDING, ReviewDoneForm, items_from_post
from shouwen.rounds.models import PatrolItem, PatrolReport


def _estate(request: HttpRequest, raw: Any) -> Estate:
    try:
        return services.pick_estate(request.user, raw)
    except ValidationError as exc:
        raise Http404(_("没有该小区，或您无权查看。")) from exc


def _day(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if DATE_MIN <= day <= DATE_MAX else None


def _errors_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


class MorningReviewView(CapabilityRequiredMixin, TemplateView):
    """每日翻阅: yesterday's (after a weekend: since the last working day) repairs and complaints of one estate."""

    required_cap = Cap.ROUNDS_REVIEW
    template_name = "rounds/review.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        estate = _estate(self.request, self.request.GET.get("estate"))
        day = _day(self.request.GET.get("day")) or timezone.localdate()
        review = services.morning_review(self.request.user, estate, day)
        staff = acting_staff(self.request)
        chaseable = {
            c.pk for c in review.unfinished + review.waiting if transitions.allows("chase", staff, c)
        }
        back = reverse("rounds:review") + "?" + urlencode({"estate": str(estate.pk), "day": day.isoformat()})
        ctx.update(
            {
                "review": review,
                "estates": services.visible_estates(self.request.user),
                "chaseable": chaseable,
                "back": back,
                "form": ReviewDoneForm(),
                "today": timezone.localdate(),
                "can_mark": review.done is None and day <= timezone.localdate(),
            }
        )
        return ctx


class MorningReviewDoneView(CapabilityRequiredMixin, View):
    """POST: the supervisor marks the review of the estate and day as done."""

    required_cap = Cap.ROUNDS_REVIEW

    def post(self, request: HttpRequest) -> HttpResponse:
        estate = _estate(request, request.POST.get("estate"))
        day = _day(request.POST.get("day")) or timezone.localdate()
        form = ReviewDoneForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            services.mark_reviewed(acting_staff(request), estate, day, note=note)
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
        else:
            messages.success(request, _("已记录完成每日翻阅。"))
        return HttpResponseRedirect(
            reverse("rounds:review") + "?" + urlencode({"estate": str(estate.pk), "day": day.isoformat()})
        )


class PatrolListView(CapabilityRequiredMixin, TemplateView):
    """The patrol reports of the estates served: those not yet read first (the supervisor's queue)."""

    required_cap = Cap.PATROL_REPORT
    template_name = "rounds/patrol_list.html"
    LIMIT = 100

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        scoped = scope_queryset(PatrolReport.objects.all(), self.request.user)
        tab = "unread" if self.request.GET.get("status") == "unread" else "all"
        rows = (
            services.unread_reports(self.request.user)
            if tab == "unread"
            else scoped.order_by("-day", "-submitted_at", "-pk")
        )
        ctx.update(
            {
                "tab": tab,
                "reports": list(services.with_report_columns(rows)[: self.LIMIT]),
                "unread_count": services.unread_reports(self.request.user).count(),
                "estates": services.visible_estates(self.request.user),
            }
        )
        return ctx


class PatrolNewView(CapabilityRequiredMixin, TemplateView):
    """The patrol report on the phone: each checkpoint normal or a finding (text, photos, case or not)."""

    required_cap = Cap.PATROL_REPORT
    template_name = "rounds/patrol_new.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        estate = kwargs.get("estate") or _estate(self.request, self.request.GET.get("estate"))
        today = timezone.localdate()
        staff = acting_staff(self.request)
        ctx.update(
            {
                "handed_in": PatrolReport.objects.filter(estate=estate, patroller=staff, day=today).first(),
                "estate": estate,
                "estates": services.visible_estates(self.request.user),
                "checkpoints": list(services.active_checkpoints(estate)),
                "due_at": services.shift_end(today),
                "now": timezone.now(),
                "posted": kwargs.get("posted"),
                "FINDING": FINDING,
            }
        )
        return ctx

    def post(self, request: HttpRequest) -> HttpResponse:
        estate = _estate(request, request.POST.get("estate"))
        checkpoints = list(services.active_checkpoints(estate))
        items = items_from_post(checkpoints, request.POST, request.FILES)
        try:
            report = services.submit_report(
                acting_staff(request), estate, items, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
            return self.render_to_response(self.get_context_data(estate=estate, posted=request.POST))
        cases = [i.case for i in report.items.all() if i.case is not None]
        text = _("巡视日报表已提交。")
        if cases:
            text += _("已登记事项：%(numbers)s。") % {"numbers": "、".join(c.number for c in cases)}
        if report.late:
            messages.warning(request, text + _("（已过下班时间，记为逾时提交）"))
        else:
            messages.success(request, text)
        return HttpResponseRedirect(reverse("rounds:patrol_detail", args=[report.pk]))


def _report_for(request: HttpRequest, pk: int) -> PatrolReport:
    qs: QuerySet[PatrolReport] = services.with_report_columns(
        scope_queryset(PatrolReport.objects.all(), request.user)
    )
    return get_object_or_404(qs, pk=pk)


class PatrolDetailView(CapabilityRequiredMixin, TemplateView):
    """One patrol report: each checkpoint, the findings with photos and cases, the supervisor's reading."""

    required_cap = Cap.PATROL_REPORT
    model = PatrolReport  # the row the URL's pk names
    template_name = "rounds/patrol_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        report = _report_for(self.request, self.kwargs["pk"])
        ctx.update(
            {
                "report": report,
                "can_read": report.read_at is None and can(self.request.user, Cap.ROUNDS_REVIEW),
            }
        )
        return ctx


class PatrolReadView(CapabilityRequiredMixin, View):
    """POST: the supervisor records having read the report."""

    required_cap = Cap.ROUNDS_REVIEW
    model = PatrolReport  # the row the URL's pk names

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = _report_for(request, pk)
        try:
            services.mark_read(acting_staff(request), report)
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
        else:
            messages.success(request, _("已记录审阅。"))
        return HttpResponseRedirect(reverse("rounds:patrol_detail", args=[report.pk]))


class FindingCaseView(CapabilityRequiredMixin, View):
    """POST: a finding of the report becomes a public-area case in one step."""

    required_cap = Cap.PATROL_REPORT
    model = PatrolReport  # the row the URL's pk names

    def post(self, request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
        report = _report_for(request, pk)
        item = get_object_or_404(
            PatrolItem.objects.select_related("checkpoint__public_area", "report__estate"),
            pk=item_id,
            report=report,
        )
        try:
            case = services.finding_to_case(acting_staff(request), item)
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
        except (PermissionDenied, transitions.CaseActionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已登记为事项 %(number)s。") % {"number": case.number})
        return HttpResponseRedirect(reverse("rounds:patrol_detail", args=[report.pk]))


class PatrolPhotoView(CapabilityRequiredMixin, View):
    """Stream a finding's photo after the estate check (media files are never served directly)."""

    required_cap = Cap.PATROL_REPORT
    model = PatrolReport  # the row the URL's pk names

    def get(self, request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
        report = _report_for(request, pk)
        photo = get_object_or_404(report.photos.all(), pk=photo_id)
        try:
            handle = photo.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404(_("文件已丢失，请联系管理员。")) from exc
        response = FileResponse(handle, content_type=photo.content_type)
        response["Cache-Control"] = "private, no-store"
        return response
