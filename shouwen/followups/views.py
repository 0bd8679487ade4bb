"""Return-visit pages: the queue of visits due, and the form that records a visit or a call not answered."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset
from shouwen.cases import transitions
from shouwen.cases.services import CaseConflict
from shouwen.core.action_views import acting_staff
from shouwen.core.forms import attach_errors
from shouwen.followups import queries, services
from shouwen.followups.forms import NoAnswerForm, ReturnVisitForm
from shouwen.followups.models import AttemptOutcome, ReturnVisit, VisitStatus

_me = acting_staff


class ReturnVisitQueueView(CapabilityRequiredMixin, TemplateView):
    """The visits to make, the one due first on top (overdue ones marked), or those recently made."""

    required_cap = Cap.FOLLOWUP_VISIT
    template_name = "followups/queue.html"
    LIMIT = 200

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        scoped = scope_queryset(ReturnVisit.objects.all(), self.request.user)
        tab = self.request.GET.get("status", "pending")
        if tab == "done":
            visits = queries.recently_done(scoped)
        else:
            tab = "pending"
            visits = queries.pending_queue(scoped)
        rows = list(queries.with_queue_columns(visits)[: self.LIMIT])
        for visit in rows:
            visit.phone = queries.phone_to_call(visit)  # type: ignore[attr-defined]
        now = timezone.now()
        pending = queries.pending_queue(scoped)
        ctx.update(
            {
                "tab": tab,
                "visits": rows,
                "pending_count": pending.count(),
                "overdue_count": pending.filter(due_at__lt=now).count(),
                "now": now,
            }
        )
        return ctx


class ReturnVisitDetailView(CapabilityRequiredMixin, TemplateView):
    """One visit: the case in short, earlier rounds and attempts, and the form to record the result."""

    required_cap = Cap.FOLLOWUP_VISIT
    template_name = "followups/detail.html"

    def visit(self) -> ReturnVisit:
        """Return the visit if it lies in one of the user's estates (another estate's is a 404)."""
        qs: QuerySet[ReturnVisit] = queries.with_queue_columns(
            scope_queryset(ReturnVisit.objects.all(), self.request.user)
        )
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        visit = kwargs.get("visit") or self.visit()
        case = visit.case
        staff = _me(self.request)
        can_record = visit.status == VisitStatus.PENDING and transitions.allows(
            "record_return_visit", staff, case
        )
        own_work = services.own_work_refusal(staff, case) if can_record else None
        ctx.update(
            {
                "visit": visit,
                "case": case,
                "phone": queries.phone_to_call(visit),
                "rounds": case.return_visits.select_related("visitor")
                .prefetch_related("attempt_records__by")
                .order_by("round", "pk"),
                "can_record": can_record and own_work is None,
                # The reader resolved the case: refused, or (a supervisor) asked for a reason.
                "own_work_refusal": own_work if can_record else None,
                "needs_reason": can_record and own_work is None and staff.pk in services.resolvers(case),
                "form": kwargs.get("form") or ReturnVisitForm(),
                "no_answer_form": kwargs.get("no_answer_form") or NoAnswerForm(),
                "outcomes": AttemptOutcome.choices,
            }
        )
        return ctx


class RecordReturnVisitView(ReturnVisitDetailView):
    """POST the result of a visit: satisfied closes the case, unsatisfied sends it back to its holder."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        visit = self.visit()
        form = ReturnVisitForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.record_return_visit(
                    _me(request),
                    visit,
                    channel=d["channel"],
                    satisfaction=d["satisfaction"],
                    comments=d["comments"],
                    override_reason=d["override_reason"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            except (CaseConflict, transitions.CaseActionDenied) as exc:
                messages.error(request, str(exc))
                return HttpResponseRedirect(reverse("followups:detail", args=[visit.pk]))
            else:
                visit.case.refresh_from_db(fields=["status", "accountable"])
                if visit.case.status == "closed":
                    messages.success(
                        request, _("已记录回访，事项 %(number)s 已办结。") % {"number": visit.case.number}
                    )
                else:
                    holder = visit.case.accountable
                    messages.warning(
                        request,
                        _("住户不满意，事项 %(number)s 已退回%(holder)s重新处理，处理完成后将再次回访。")
                        % {"number": visit.case.number, "holder": holder.name if holder else ""},
                    )
                return HttpResponseRedirect(reverse("followups:queue"))
        return self.render_to_response(self.get_context_data(visit=visit, form=form))


class NoAnswerView(ReturnVisitDetailView):
    """POST a call that reached nobody: counted, and the visit stays in the queue for another try."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        visit = self.visit()
        form = NoAnswerForm(request.POST)
        if form.is_valid():
            try:
                attempt = services.record_no_answer(
                    _me(request), visit, form.cleaned_data["outcome"], form.cleaned_data["note"]
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            except (CaseConflict, transitions.CaseActionDenied) as exc:
                messages.error(request, str(exc))
                return HttpResponseRedirect(reverse("followups:detail", args=[visit.pk]))
            else:
                messages.success(
                    request,
                    _("已记录“%(outcome)s”（已尝试 %(n)s 次），该回访仍在待回访列表中。")
                    % {"outcome": attempt.get_outcome_display(), "n": attempt.visit.attempts},
                )
                return HttpResponseRedirect(reverse("followups:queue"))
        return self.render_to_response(self.get_context_data(visit=visit, no_answer_form=form))
