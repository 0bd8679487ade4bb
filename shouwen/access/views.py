"""The personal-data access log page for supervisors."""

from __future__ import annotations

from django.db.models import QuerySet
from django.views.generic import ListView

from shouwen.access.models import PersonalDataAccess
from shouwen.access.permissions import CapabilityRequiredMixin
from shouwen.access.roles import Cap


class AccessLogListView(CapabilityRequiredMixin, ListView):
    """Who revealed whose personal data, newest first, in the estates the reader serves."""

    required_cap = Cap.ACCESS_LOG_VIEW
    template_name = "access/access_log.html"
    context_object_name = "entries"
    paginate_by = 100

    def get_queryset(self) -> QuerySet[PersonalDataAccess]:
        qs = self.scoped(PersonalDataAccess.objects.select_related("user__staff", "resident", "estate"))
        user = self.request.GET.get("user", "").strip()
        if user:
            qs = qs.filter(user__username=user) | qs.filter(user__staff__staff_no=user)
        return qs.order_by("-at", "-pk")
