"""Where work orders meet people: their case's timeline, notifications, the crew on an order."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy, gettext_noop

from shouwen.cases.models import CaseEvent
from shouwen.core.i18n import stored
from shouwen.directory.models import Staff
from shouwen.workorders import transitions
from shouwen.workorders.models import WorkOrder


def event(order: WorkOrder, actor: Staff | None, step: str, text: str = "", **data: object) -> CaseEvent:
    """Append the step to the case's timeline, naming the work order."""
    label = transitions.ACTIONS[step].label if step in transitions.ACTIONS else gettext_lazy("开单")
    if text:
        line = stored(
            gettext_noop("%(number)s %(step)s：%(text)s"), number=order.number, step=label, text=text
        )
    else:
        line = stored(gettext_noop("%(number)s %(step)s"), number=order.number, step=label)
    return CaseEvent.objects.create(
        case=order.case,
        actor=actor,
        kind=CaseEvent.Kind.WORK_ORDER,
        text=line,
        data={"work_order": order.number, "step": step, **data},
    )


def notify_staff(
    recipient: Staff, order: WorkOrder, *, title: str, body: str = "", urgent: bool = False
) -> None:
    """Tell a staff member about the order (in the app; e-mail, and SMS when urgent)."""
    from shouwen.notifications.services import notify

    notify(
        recipient,
        title=title,
        body=body,
        case=order.case,
        url=reverse("mobile:job", args=[order.number]),
        urgent=urgent,
        sms=urgent,
    )


def crew(order: WorkOrder) -> list[Staff]:
    """Return the technicians now on the order, lead first."""
    rows = order.crew.filter(removed_at__isnull=True).select_related("staff").order_by("position", "pk")
    return [r.staff for r in rows]
