"""Template tags of return visits: the 回访 card on the case page (the case views need not know about it)."""

from __future__ import annotations

from typing import Any

from django import template

from shouwen.access.scope import staff_of
from shouwen.cases import transitions
from shouwen.cases.models import RETURN_VISIT_CATEGORIES, Case
from shouwen.followups.models import VisitStatus
from shouwen.followups.services import own_work_refusal

register = template.Library()


@register.simple_tag(takes_context=True)
def return_visits_of(context: dict[str, Any], case: Case) -> dict[str, Any] | None:
    """Return the case's visits, the one waiting and whether the reader may record it; None if none apply."""
    if case.category not in RETURN_VISIT_CATEGORIES:
        return None
    rounds = list(
        case.return_visits.select_related("visitor")
        .prefetch_related("attempt_records__by")
        .order_by("round", "pk")
    )
    pending = next((r for r in rounds if r.status == VisitStatus.PENDING), None)
    request = context.get("request")
    staff = staff_of(request.user) if request is not None else None
    can_record = (
        pending is not None
        and staff is not None
        and transitions.allows("record_return_visit", staff, case)
        and own_work_refusal(staff, case) is None  # whoever resolved it leaves the visit to a colleague
    )
    return {"rounds": rounds, "pending": pending, "can_record": can_record}
