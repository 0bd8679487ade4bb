"""The one table of what can be done to a work order, in which state, and by whom.

Pages and the API show exactly the actions :func:`allowed_actions` returns; service functions call
:func:`check` before changing anything. No other code compares work-order states to decide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import can_see_estate
from shouwen.cases.models import ACTIVE_STATUSES, REPAIR_CATEGORIES, Case, CaseStatus, Channel
from shouwen.cases.transitions import CaseActionDenied
from shouwen.directory.models import Staff
from shouwen.workorders.models import OPEN_STATES, OrderKind, State, WorkOrder

S = State


class Who:
    """Who may take an action."""

    TECHNICIAN = "technician"  # a technician on the order (anyone with WORKORDER_WORK while it has nobody)
    DISPATCHER = "dispatcher"  # whoever may manage work orders (WORKORDER_MANAGE) in the estate
    CREW_OR_DISPATCHER = "crew_or_dispatcher"


# The capabilities (from the roles table) each kind of actor needs; a technician must also be on the
# order. Being the case's accountable person or working in the engineering department grants nothing
# more: technicians take their own steps only, the steering of orders is WORKORDER_MANAGE's.
WHO_CAPS: dict[str, frozenset[str]] = {
    Who.TECHNICIAN: frozenset({Cap.WORKORDER_WORK}),
    Who.DISPATCHER: frozenset({Cap.WORKORDER_MANAGE}),
    Who.CREW_OR_DISPATCHER: frozenset({Cap.WORKORDER_WORK, Cap.WORKORDER_MANAGE}),
}
# Opening a work order for a case (001 报修接待 ②③: the service desk sends the technicians).
CREATE_CAPS = WHO_CAPS[Who.DISPATCHER]


@dataclass(frozen=True)
class Action:
    """A row of the table: label, states it is allowed in, who, the state it leads to, extra rule."""

    code: str
    label: Promise
    states: frozenset[str]
    who: str
    to: str | None = None
    # An extra condition on the order and the message shown when it fails.
    rule: Callable[[WorkOrder], bool] | None = None
    rule_message: Promise | None = None


def _charge_decided(order: WorkOrder) -> bool:
    return order.paid is not None


def _unsigned(order: WorkOrder) -> bool:
    return not order.signature_settled


def _owes(order: WorkOrder) -> bool:
    return order.paid is True and order.paid_at is None


def _case_active(order: WorkOrder) -> bool:
    return order.case.status in ACTIVE_STATUSES


def _can_reinspect(order: WorkOrder) -> bool:
    return order.kind != OrderKind.REINSPECTION and order.case.status in ACTIVE_STATUSES


ACTIONS: dict[str, Action] = {
    a.code: a
    for a in (
        Action("assign", _("派工"), frozenset({S.CREATED}), Who.DISPATCHER),
        Action("accept", _("接单"), frozenset({S.CREATED}), Who.TECHNICIAN, to=S.ACCEPTED),
        Action("set_out", _("出发"), frozenset({S.ACCEPTED}), Who.TECHNICIAN, to=S.ON_WAY),
        Action("arrive", _("已到场"), frozenset({S.ON_WAY}), Who.TECHNICIAN, to=S.ARRIVED),
        Action(
            "diagnose", _("诊断与方案"), frozenset({S.ARRIVED, S.DIAGNOSED}), Who.TECHNICIAN, to=S.DIAGNOSED
        ),
        Action("add_material", _("添加材料"), frozenset({S.DIAGNOSED}), Who.TECHNICIAN),
        Action("void_material", _("撤销材料"), frozenset({S.DIAGNOSED}), Who.TECHNICIAN),
        Action("set_charge", _("费用与保修"), frozenset({S.DIAGNOSED}), Who.TECHNICIAN),
        Action("add_photo", _("上传照片"), frozenset({S.ARRIVED, S.DIAGNOSED, S.DONE}), Who.TECHNICIAN),
        Action(
            "complete",
            _("完工"),
            frozenset({S.DIAGNOSED}),
            Who.TECHNICIAN,
            to=S.DONE,
            rule=_charge_decided,
            rule_message=_("请先确定费用（有偿或保修）再完工。"),
        ),
        Action(
            "sign",
            _("住户签字"),
            frozenset({S.DONE}),
            Who.TECHNICIAN,
            rule=_unsigned,
            rule_message=_("住户已签字或已记录拒签。"),
        ),
        Action(
            "refuse_signature",
            _("住户拒签"),
            frozenset({S.DONE}),
            Who.TECHNICIAN,
            rule=_unsigned,
            rule_message=_("住户已签字或已记录拒签。"),
        ),
        Action(
            "record_payment",
            _("收费"),
            frozenset({S.DONE}),
            Who.CREW_OR_DISPATCHER,
            rule=_owes,
            rule_message=_("该工作单无需收费或已收费。"),
        ),
        Action("cancel", _("取消工作单"), OPEN_STATES, Who.DISPATCHER, to=S.CANCELLED),
        Action(
            "rework",
            _("返工"),
            frozenset({S.DONE}),
            Who.DISPATCHER,
            rule=_case_active,
            rule_message=_("事项已结束，不能返工。"),
        ),
        Action(
            "reinspect",
            _("安排复检"),
            frozenset({S.DONE}),
            Who.DISPATCHER,
            rule=_can_reinspect,
            rule_message=_("复检单不能再安排复检，或事项已结束。"),
        ),
    )
}

# The technician's steps in order: the phone page offers the first one allowed as "the next action".
STEPS = ("accept", "set_out", "arrive", "diagnose", "set_charge", "complete", "sign", "record_payment")


def _serves(staff: Staff, estate_id: int) -> bool:
    return staff.is_active and can_see_estate(staff.user, estate_id) and can(staff.user, Cap.WORKORDER_VIEW)


def crew_ids(order: WorkOrder) -> set[int]:
    """Return the ids of the technicians now on the order."""
    current = getattr(order, "current_crew", None)
    if current is not None:
        return {c.staff_id for c in current}
    return set(order.crew.filter(removed_at__isnull=True).values_list("staff_id", flat=True))


def caps_for(code: str) -> frozenset[str]:
    """Return the capabilities of which one is needed for action ``code`` ("create": opening an order)."""
    return CREATE_CAPS if code == "create" else WHO_CAPS[ACTIONS[code].who]


def _has_any(staff: Staff, caps: frozenset[str]) -> bool:
    return any(can(staff.user, cap) for cap in caps)


def is_dispatcher(staff: Staff, case: Case) -> bool:
    """Return whether the staff member may open and steer work orders of the case."""
    return _serves(staff, case.estate_id) and _has_any(staff, WHO_CAPS[Who.DISPATCHER])


def is_technician(staff: Staff, order: WorkOrder) -> bool:
    """Return whether the staff member may do the technician's steps on the order."""
    if not _serves(staff, order.case.estate_id) or not _has_any(staff, WHO_CAPS[Who.TECHNICIAN]):
        return False
    crew = crew_ids(order)
    return staff.pk in crew or (not crew and order.state == S.CREATED)


def _who_allows(who: str, staff: Staff, order: WorkOrder) -> bool:
    if who == Who.TECHNICIAN:
        return is_technician(staff, order)
    if who == Who.DISPATCHER:
        return is_dispatcher(staff, order.case)
    if who == Who.CREW_OR_DISPATCHER:
        return is_technician(staff, order) or is_dispatcher(staff, order.case)
    raise ValueError(who)


def refusal(code: str, staff: Staff, order: WorkOrder) -> str | None:
    """Return why ``staff`` may not take action ``code`` on ``order`` now, or None when allowed."""
    action = ACTIONS[code]
    generic = gettext("现在不能对工作单 %(number)s 执行“%(action)s”（状态：%(state)s）。") % {
        "number": order.number,
        "action": action.label,
        "state": order.get_state_display(),
    }
    if order.state not in action.states or order.case.status in (CaseStatus.VOID, CaseStatus.DECLINED):
        return generic
    if not _who_allows(action.who, staff, order):
        return generic
    if action.rule is not None and not action.rule(order):
        return str(action.rule_message)
    return None


def allows(code: str, staff: Staff, order: WorkOrder) -> bool:
    """Return whether ``staff`` may take action ``code`` on ``order`` now."""
    return refusal(code, staff, order) is None


def allowed_actions(staff: Staff, order: WorkOrder) -> list[Action]:
    """Return the actions the staff member may take on the order now, in table order."""
    return [a for a in ACTIONS.values() if allows(a.code, staff, order)]


def next_step(staff: Staff, order: WorkOrder) -> Action | None:
    """Return the technician's next step on the order (the one big button of the phone page)."""
    for code in STEPS:
        # Diagnosis and charge stay editable, but they are "next" only until first done.
        if code == "diagnose" and order.state != S.ARRIVED:
            continue
        if code == "set_charge" and order.paid is not None:
            continue
        if allows(code, staff, order):
            return ACTIONS[code]
    return None


def check(code: str, staff: Staff, order: WorkOrder) -> None:
    """Raise CaseActionDenied with a message for the user unless the action is allowed."""
    message = refusal(code, staff, order)
    if message is not None:
        raise CaseActionDenied(message)


def creation_refusal(staff: Staff, case: Case) -> str | None:
    """Return why ``staff`` may not open a work order for ``case``, or None when allowed."""
    if case.category not in REPAIR_CATEGORIES:
        return gettext("只有报修事项（居家维修、公共维修）可以开维修工作单。")
    if case.status not in ACTIVE_STATUSES or case.status == CaseStatus.AWAITING_DOCUMENTS:
        return gettext("事项 %(number)s 已结束（%(status)s），不能开维修工作单。") % {
            "number": case.number,
            "status": case.get_status_display(),
        }
    if not is_dispatcher(staff, case):
        return gettext("您不能为事项 %(number)s 开维修工作单。") % {"number": case.number}
    return None


def night_order_refusal(staff: Staff, case: Case) -> str | None:
    """Return why ``staff`` may not schedule the morning work order of a night call, or None.

    The night-duty technician registers the calls of the night and schedules what cannot be
    repaired at once for the morning (001 值班制度 四–五): only for a call they registered
    themselves and still hold, still open, with no work order yet.
    """
    if case.category not in REPAIR_CATEGORIES or case.status != CaseStatus.OPEN:
        return gettext("只有处理中的报修事项可以安排次日工作单。")
    if not (
        _serves(staff, case.estate_id)
        and _has_any(staff, WHO_CAPS[Who.TECHNICIAN])
        and case.first_contact_id == staff.pk
        and case.accountable_id == staff.pk
        and case.origin.channel == Channel.NIGHT_LOG
        and not WorkOrder.objects.filter(case=case).exists()
    ):
        return gettext("次日工作单只能由登记该夜间来电的值班维修人员安排。")
    return None


def check_create(staff: Staff, case: Case) -> None:
    """Raise CaseActionDenied unless ``staff`` may open a work order for ``case``."""
    message = creation_refusal(staff, case)
    if message is not None:
        raise CaseActionDenied(message)
