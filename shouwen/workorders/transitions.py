"""The one table of what can be done to a work order: each row declares an action whole.

The technician's phone page posts any row to one generated endpoint and the API's routes are
generated from the same rows (see :mod:`shouwen.core.actions`). Service functions call :func:`apply`
(or :func:`check`) before changing anything; only :func:`apply` moves an order's state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import can_see_estate
from shouwen.cases.models import ACTIVE_STATUSES, REPAIR_CATEGORIES, Case, CaseStatus, Channel
from shouwen.cases.transitions import CaseActionDenied
from shouwen.core.actions import Action as TableRow
from shouwen.core.actions import ActionTable
from shouwen.directory.models import Staff
from shouwen.workorders import forms
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
class Action(TableRow):
    """A work-order action: the common row plus an extra condition on the order and its message."""

    rule: Callable[[WorkOrder], bool] | None = None
    rule_message: Promise | None = None


def _charge_decided(order: WorkOrder) -> bool:
    return order.paid is not None


def _unsigned(order: WorkOrder) -> bool:
    return not order.signature_settled


def _owes(order: WorkOrder) -> bool:
    """A paid job with something to pay and not yet paid (a ¥0.00 job asks for no payment)."""
    return order.paid is True and order.paid_at is None and order.total > 0


def _case_active(order: WorkOrder) -> bool:
    return order.case.status in ACTIVE_STATUSES


def _can_reinspect(order: WorkOrder) -> bool:
    return order.kind != OrderKind.REINSPECTION and order.case.status in ACTIVE_STATUSES


F = forms
SV = "shouwen.workorders.services."


def _new_order_message(new: WorkOrder) -> str:
    if new.kind == OrderKind.REINSPECTION:
        return gettext("已安排复检 %(number)s。") % {"number": new.number}
    return gettext("已开返工单 %(number)s。") % {"number": new.number}


TABLE_ROWS = (
    Action(
        "assign",
        _("派工"),
        frozenset({S.CREATED}),
        Who.DISPATCHER,
        form=F.AssignForm,
        service=SV + "assign_technicians",
        message=_("已派工。"),
    ),
    Action(
        "accept",
        _("接单"),
        frozenset({S.CREATED}),
        Who.TECHNICIAN,
        to=S.ACCEPTED,
        form=F.StepForm,
        service=SV + "accept_work_order",
        message=_("已接单。"),
    ),
    Action(
        "set_out",
        _("出发"),
        frozenset({S.ACCEPTED}),
        Who.TECHNICIAN,
        to=S.ON_WAY,
        form=F.StepForm,
        service=SV + "set_out",
        message=_("已记录出发时间。"),
    ),
    Action(
        "arrive",
        _("已到场"),
        frozenset({S.ON_WAY}),
        Who.TECHNICIAN,
        to=S.ARRIVED,
        form=F.StepForm,
        service=SV + "arrive",
        message=_("已到场，请填写诊断与维修方案。"),
        anchor="diagnose",
    ),
    Action(
        "diagnose",
        _("诊断与方案"),
        frozenset({S.ARRIVED, S.DIAGNOSED}),
        Who.TECHNICIAN,
        to=S.DIAGNOSED,
        form=F.DiagnosisForm,
        service=SV + "record_diagnosis",
        message=_("已保存诊断与维修方案。"),
        anchor="materials",
        api="diagnosis",
    ),
    Action(
        "add_material",
        _("添加材料"),
        frozenset({S.DIAGNOSED}),
        Who.TECHNICIAN,
        form=F.MaterialForm,
        service=SV + "add_material",
        message=_("已添加材料。"),
        anchor="materials",
        api="materials",
        result="created",
    ),
    Action(
        "void_material",
        _("撤销材料"),
        frozenset({S.DIAGNOSED}),
        Who.TECHNICIAN,
        form=F.VoidMaterialForm,
        service=SV + "void_material",
        message=_("已撤销该材料。"),
        anchor="materials",
    ),
    Action(
        "set_charge",
        _("费用与保修"),
        frozenset({S.DIAGNOSED}),
        Who.TECHNICIAN,
        form=F.ChargeForm,
        service=SV + "set_charge",
        message=_("已保存费用。"),
        anchor="charge",
        api="charge",
    ),
    Action(
        "add_photo",
        _("上传照片"),
        frozenset({S.ARRIVED, S.DIAGNOSED, S.DONE}),
        Who.TECHNICIAN,
        form=F.PhotoForm,
        service=SV + "add_photo",
        message=_("已上传照片。"),
        anchor="photos",
        api="photos",
        result="created",
    ),
    Action(
        "complete",
        _("完工"),
        frozenset({S.DIAGNOSED}),
        Who.TECHNICIAN,
        to=S.DONE,
        rule=_charge_decided,
        rule_message=_("请先确定费用（有偿或保修）再完工。"),
        form=F.StepForm,
        service=SV + "complete_work_order",
        message=_("已完工，请住户签字确认。"),
        anchor="sign",
    ),
    Action(
        "sign",
        _("住户签字"),
        frozenset({S.DONE}),
        Who.TECHNICIAN,
        rule=_unsigned,
        rule_message=_("住户已签字或已记录拒签。"),
        form=F.SignatureForm,
        service=SV + "sign_work_order",
        message=_("住户已签字。"),
        api="signature",
    ),
    Action(
        "refuse_signature",
        _("住户拒签"),
        frozenset({S.DONE}),
        Who.TECHNICIAN,
        rule=_unsigned,
        rule_message=_("住户已签字或已记录拒签。"),
        form=F.RefuseForm,
        service=SV + "refuse_signature",
        message=_("已记录住户拒签。"),
    ),
    Action(
        "record_payment",
        _("收费"),
        frozenset({S.DONE}),
        Who.CREW_OR_DISPATCHER,
        rule=_owes,
        rule_message=_("该工作单无需收费或已收费。"),
        form=F.PaymentForm,
        service=SV + "record_payment",
        message=_("已收费。"),
        api="payment",
    ),
    Action(
        "cancel",
        _("取消工作单"),
        OPEN_STATES,
        Who.DISPATCHER,
        to=S.CANCELLED,
        form=F.ReasonForm,
        service=SV + "cancel_work_order",
        message=_("工作单已取消，记录保留。"),
    ),
    Action(
        "rework",
        _("返工"),
        frozenset({S.DONE}),
        Who.DISPATCHER,
        rule=_case_active,
        rule_message=_("事项已结束，不能返工。"),
        form=F.ReworkForm,
        service=SV + "rework",
        message=_new_order_message,
        result="new_order",
    ),
    Action(
        "reinspect",
        _("安排复检"),
        frozenset({S.DONE}),
        Who.DISPATCHER,
        rule=_can_reinspect,
        rule_message=_("复检单不能再安排复检，或事项已结束。"),
        form=F.ReinspectForm,
        service=SV + "reinspect",
        message=_new_order_message,
        result="new_order",
    ),
)


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


class WorkOrderTable(ActionTable[WorkOrder, Action]):
    """The work order's actions: the generic refusal, or the row's own message when its rule fails."""

    state_field = "state"
    denied = CaseActionDenied

    def refusal(self, row: Action, staff: Staff, target: WorkOrder, context: Mapping[str, Any]) -> str | None:
        """Return why ``staff`` may not take the row's action on ``target`` now, or None when allowed."""
        if (
            target.state not in row.states
            or target.case.status in (CaseStatus.VOID, CaseStatus.DECLINED)
            or not _who_allows(row.who, staff, target)
        ):
            return gettext("现在不能对工作单 %(number)s 执行“%(action)s”（状态：%(state)s）。") % {
                "number": target.number,
                "action": row.label,
                "state": target.get_state_display(),
            }
        if row.rule is not None and not row.rule(target):
            return str(row.rule_message)
        return None


TABLE = WorkOrderTable(*TABLE_ROWS)
ACTIONS: Mapping[str, Action] = TABLE.rows


def refusal(code: str, staff: Staff, order: WorkOrder) -> str | None:
    """Return why ``staff`` may not take action ``code`` on ``order`` now, or None when allowed."""
    return TABLE.refusal(TABLE[code], staff, order, {})


def allows(code: str, staff: Staff, order: WorkOrder) -> bool:
    """Return whether ``staff`` may take action ``code`` on ``order`` now."""
    return TABLE.allows(code, staff, order, {})


def allowed_actions(staff: Staff, order: WorkOrder) -> list[Action]:
    """Return the actions the staff member may take on the order now, in table order."""
    return TABLE.allowed(staff, order)


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


def check(code: str, staff: Staff, order: WorkOrder) -> Action:
    """Raise CaseActionDenied with a message for the user unless the action is allowed."""
    return TABLE.check(code, staff, order)


def apply(code: str, staff: Staff, order: WorkOrder) -> Action:
    """Check the action and set the state it leads to on ``order`` (the service saves it)."""
    return TABLE.apply(code, staff, order)


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
