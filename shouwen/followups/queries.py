"""Read-side helpers of return visits: the queue and what each row shows (querysets arrive estate-scoped)."""

from __future__ import annotations

from django.db.models import QuerySet

from shouwen.followups.models import ReturnVisit, VisitStatus


def with_queue_columns(qs: QuerySet[ReturnVisit]) -> QuerySet[ReturnVisit]:
    """Select what a queue row shows (case, resident and phones, place, holder, visitor) in few queries."""
    return qs.select_related(
        "case__estate",
        "case__origin",
        "case__resident",
        "case__unit__building",
        "case__public_area",
        "case__accountable",
        "visitor",
    ).prefetch_related("case__resident__phones")


def pending_queue(qs: QuerySet[ReturnVisit]) -> QuerySet[ReturnVisit]:
    """Return the visits still to be made, the one due first on top (an index range on status, due_at)."""
    return qs.filter(status=VisitStatus.PENDING).order_by("due_at", "pk")


def recently_done(qs: QuerySet[ReturnVisit]) -> QuerySet[ReturnVisit]:
    """Return the recorded visits, newest first."""
    return qs.filter(status=VisitStatus.DONE).order_by("-visited_at", "-pk")


def phone_to_call(visit: ReturnVisit) -> str:
    """Return the number to call back: the caller's own, else the resident's first (prefetched) phone."""
    case = visit.case
    if case.origin.caller_phone:
        return case.origin.caller_phone
    if case.resident is not None:
        phones = list(case.resident.phones.all())
        if phones:
            return phones[0].number
    return ""
