"""The escalation page (督办): what was escalated to me (or, for supervisors, in my estates), read and handled."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin, can
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset, staff_of
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Staff
from shouwen.sla import services
from shouwen.sla.models import Escalation

PAGE_ROWS = 100


def _acting(request: HttpRequest) -> Staff:
    staff = staff_of(request.user)
    if staff is None or not staff.is_active:
        raise PermissionDenied(_("只有在职员工才能处理督办。"))
    return staff


class EscalationListView(CapabilityRequiredMixin, TemplateView):
    """The escalations addressed to me (supervisors: of my estates), open ones by default."""

    required_cap = Cap.CASE_VIEW
    template_name = "sla/escalations.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        staff = staff_of(self.request.user)
        scope = self.request.GET.get("scope", "mine")
        scope = scope if scope in services.ESCALATION_SCOPES else "mine"
        state = self.request.GET.get("state", "open")
        state = state if state in services.ESCALATION_STATES else "open"
        rows = services.escalation_list(
            scope_queryset(Escalation.objects.all(), self.request.user), staff, scope=scope, state=state
        )
        ctx.update(
            {
                "escalations": rows[:PAGE_ROWS],
                "scope": scope,
                "state": state,
                "supervises": can(self.request.user, Cap.CASE_SUPERVISE),
                "me": staff,
                "text_max": LONG_TEXT_MAX,
            }
        )
        return ctx


class EscalationActionView(CapabilityRequiredMixin, View):
    """POST 已阅 (acknowledge) or 处理 (handle, with what was done) on one escalation."""

    required_cap = Cap.CASE_VIEW
    verb = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        escalation = get_object_or_404(scope_queryset(Escalation.objects.all(), request.user), pk=pk)
        staff = _acting(request)
        try:
            if self.verb == "acknowledge":
                services.acknowledge_escalation(staff, escalation)
                messages.success(request, _("已标记为已阅。"))
            else:
                services.handle_escalation(staff, escalation, request.POST.get("note", ""))
                messages.success(request, _("督办已处理，事项已移出“督办给我”。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        except services.EscalationConflict as exc:
            messages.error(request, str(exc))
        back = request.POST.get("next", "")
        return HttpResponseRedirect(back if back.startswith("?") else reverse("sla:escalations"))
