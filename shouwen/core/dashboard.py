"""What needs a supervisor or a director now, for their home page: each figure links to its filtered list.

Overdue cases, escalations not yet handled, handovers waiting to be accepted (by receiving department,
with the oldest's age) and return visits past their date, all within the estates the person serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from shouwen.access.scope import scope_queryset
from shouwen.cases import queries
from shouwen.cases.models import Case, Handover, HandoverStatus
from shouwen.directory.models import Department
from shouwen.followups.models import ReturnVisit, VisitStatus
from shouwen.sla.models import Escalation


@dataclass(frozen=True)
class Waiting:
    """Handovers waiting for one department: how many, since when, and the queue that lists them."""

    department: str
    count: int
    oldest: datetime
    url: str


@dataclass(frozen=True)
class Desk:
    """The figures of the home page for those who supervise cases."""

    overdue: int
    overdue_url: str
    escalations: int
    escalations_url: str
    waiting: list[Waiting]
    visits_overdue: int
    visits_url: str


def _queue_url(**params: Any) -> str:
    return reverse("cases:queue") + "?" + urlencode(params)


def waiting_by_department(scoped: QuerySet[Case]) -> list[Waiting]:
    """Pending handovers of the visible cases, grouped by the receiving department, oldest first."""
    rows = (
        queries.visible_handovers(Handover.objects.filter(status=HandoverStatus.PENDING), scoped)
        .annotate(dept=Coalesce("to_department", "to_staff__department"))
        .values("dept")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
        .order_by("oldest")
    )
    names = {d.pk: d.name for d in Department.objects.filter(pk__in=[r["dept"] for r in rows])}
    return [
        Waiting(
            department=names.get(r["dept"], "—"),
            count=r["n"],
            oldest=r["oldest"],
            url=_queue_url(queue="estate", handover_department=r["dept"] or "", sort="received"),
        )
        for r in rows
    ]


def desk_for(user: Any) -> Desk:
    """The figures for the signed-in supervisor or director, within their estates."""
    now = timezone.now()
    scoped = scope_queryset(Case.objects.all(), user)
    escalations = scope_queryset(Escalation.objects.all(), user).filter(
        handled_at__isnull=True, case__status__in=queries.ACTIVE
    )
    visits = scope_queryset(ReturnVisit.objects.all(), user).filter(
        Q(status=VisitStatus.PENDING), due_at__lt=now
    )
    return Desk(
        overdue=queries.overdue(scoped).order_by().count(),
        overdue_url=_queue_url(queue="overdue", sort="overdue"),
        escalations=escalations.count(),
        escalations_url=reverse("sla:escalations") + "?" + urlencode({"scope": "estate", "state": "open"}),
        waiting=waiting_by_department(scoped),
        visits_overdue=visits.count(),
        visits_url=reverse("followups:queue") + "?status=pending",
    )
