"""Template tags of work orders: the case page's 维修工作单 card gets its data here."""

from __future__ import annotations

from typing import Any

from django import template

from shouwen.access.scope import staff_of
from shouwen.cases.models import REPAIR_CATEGORIES, Case

register = template.Library()


@register.simple_tag(takes_context=True)
def case_work_orders(context: dict[str, Any], case: Case) -> dict[str, Any]:
    """Return the case's work orders, and the form to open one when the reader may."""
    from shouwen.workorders import services, transitions
    from shouwen.workorders.forms import WorkOrderCreateForm
    from shouwen.workorders.models import WorkOrder
    from shouwen.workorders.views_mobile import with_crew

    if case.category not in REPAIR_CATEGORIES:
        return {"show": False}
    request = context.get("request")
    staff = staff_of(request.user) if request is not None else None
    orders = list(with_crew(WorkOrder.objects.filter(case=case)).order_by("created_at", "pk"))
    can_create = staff is not None and transitions.creation_refusal(staff, case) is None
    form = None
    if can_create:
        form = WorkOrderCreateForm(
            estate=case.estate,
            initial={"description": case.summary, "urgency": services.default_urgency(case)},
        )
    return {"show": True, "orders": orders, "form": form}
