"""The desk's side of the portal: residents' cancel requests waiting for a decision."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin
from shouwen.access.roles import Cap
from shouwen.cases.lib import CaseConflict
from shouwen.cases.transitions import CaseActionDenied
from shouwen.core.action_views import acting_staff
from shouwen.portal import services
from shouwen.portal.forms import DecideCancelForm
from shouwen.portal.models import CancelRequest


class CancelRequestsView(CapabilityRequiredMixin, TemplateView):
    """Residents' requests to cancel a matter in the estates served: pending first, then the decided."""

    required_cap = Cap.CASE_VIEW
    template_name = "portal/staff_requests.html"

    def requests(self) -> Any:
        return self.scoped(CancelRequest.objects.all()).select_related(
            "case__estate", "resident", "handled_by"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["pending"] = list(self.requests().filter(status=CancelRequest.Status.PENDING).order_by("at"))
        context["decided"] = list(
            self.requests().exclude(status=CancelRequest.Status.PENDING).order_by("-handled_at")[:30]
        )
        context["form"] = kwargs.get("form") or DecideCancelForm()
        context["failed"] = kwargs.get("failed")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        row = get_object_or_404(self.requests(), pk=request.POST.get("request") or 0)
        form = DecideCancelForm(request.POST)
        if form.is_valid():
            try:
                services.decide_cancel(
                    acting_staff(request),
                    row,
                    accept=form.cleaned_data["decision"] == "accept",
                    answer=form.cleaned_data["answer"],
                )
            except (ValidationError, CaseActionDenied, CaseConflict) as error:
                text = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
                form.add_error(None, text)
            else:
                messages.success(request, _("已处理 %(number)s 的撤销申请。") % {"number": row.case.number})
                return HttpResponseRedirect(reverse("portal_staff:requests"))
        return self.render_to_response(self.get_context_data(form=form, failed=row.pk), status=400)
