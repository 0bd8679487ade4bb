"""How work orders finish their repair case: resolved when nothing is left to do on it."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwen.cases import services as case_services
from shouwen.cases import transitions as case_transitions
from shouwen.cases.models import Case, CaseStatus
from shouwen.core.i18n import stored
from shouwen.directory.models import Staff
from shouwen.workorders.models import OPEN_STATES, OrderKind, State, WorkOrder
from shouwen.workorders.timeline import crew, event, notify_staff


def outstanding(case: Case) -> QuerySet[WorkOrder]:
    """Return the case's work orders that keep it from being resolved.

    Open orders, and done orders that wait for a re-inspection (move-in defects, 001 入住 ⑤).
    """
    reinspected = WorkOrder.objects.filter(
        rework_of=OuterRef("pk"), kind=OrderKind.REINSPECTION, state=State.DONE
    )
    return WorkOrder.objects.filter(case=case).filter(
        Q(state__in=OPEN_STATES) | (Q(state=State.DONE, needs_reinspection=True) & ~Exists(reinspected))
    )


# The summary names each order's plan in short: the whole plan stays on the work order, and the
# summary is segmented for search inside the transaction that completes the last order.
PLAN_EXCERPT = 300


def _excerpt(text: str) -> str:
    return text if len(text) <= PLAN_EXCERPT else text[: PLAN_EXCERPT - 1] + "…"


def resolution_summary(case: Case) -> str:
    """Return the case's result as written from its work orders (for resolve_case)."""
    lines = []
    for order in WorkOrder.objects.filter(case=case, state=State.DONE).order_by("created_at", "pk"):
        names = "、".join(p.name for p in crew(order))
        charge = (
            _("有偿 ¥%(total)s") % {"total": order.total}
            if order.paid
            else _("免费（%(why)s）")
            % {"why": _("保修期内") if order.paid_proposed is False else _("不收费")}
        )
        lines.append(
            _("%(number)s %(trade)s：%(plan)s（%(names)s，%(at)s 完工；%(charge)s）")
            % {
                "number": order.number,
                "trade": order.get_trade_display(),
                "plan": _excerpt(order.plan or order.diagnosis),
                "names": names,
                "at": timezone.localtime(order.done_at).strftime("%m-%d %H:%M") if order.done_at else "",
                "charge": charge,
            }
        )
    return "\n".join(lines)


def resolve_case_if_finished(order: WorkOrder, actor: Staff) -> None:
    """Resolve the repair case when none of its work orders is left to do."""
    case = Case.objects.select_related("accountable", "estate").get(pk=order.case_id)
    if case.status != CaseStatus.OPEN or outstanding(case).exists():
        return
    if not WorkOrder.objects.filter(case=case, state=State.DONE).exists():
        return  # every order was cancelled: nothing was repaired, the holder decides what next
    summary = resolution_summary(case)
    if case_transitions.allows("resolve", actor, case):
        case_services.resolve_case(actor, case, resolution=summary)
        return
    holder = case.accountable
    if holder is not None and case_transitions.allows("resolve", holder, case):
        case_services.resolve_as_accountable(case, resolution=summary)
        notify_staff(
            holder,
            order,
            title=stored(
                gettext_noop("事项 %(number)s 的维修已全部完工，已记为处理完成"), number=case.number
            ),
            body=summary,
        )
        return
    # E.g. a handover is pending: the accountable person must resolve it by hand.
    event(
        order,
        actor,
        "complete",
        stored(gettext_noop("全部工作单已完工，但事项暂不能自动记为处理完成，请责任人处理。")),
    )
    if holder is not None:
        notify_staff(
            holder,
            order,
            title=stored(
                gettext_noop("事项 %(number)s 的维修已全部完工，请记录处理结果"), number=case.number
            ),
            body=summary,
        )


def reopen_if_resolved(staff: Staff, case: Case, reason: str) -> None:
    """Reopen a resolved repair case before new work starts on it (its holder or a supervisor)."""
    if case.status == CaseStatus.RESOLVED:
        case_services.reopen_case(staff, case, reason=reason)
        case.refresh_from_db()
