"""The one table of what can be done to a case, in which status, and by whom.

Pages show exactly the actions :func:`allowed_actions` returns; service functions call
:func:`check` before changing anything. No other code compares case statuses to decide.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import can_see_estate
from shouwen.cases.models import ACTIVE_STATUSES, Case, CaseStatus, Handover, HandoverStatus
from shouwen.directory.models import Staff

S = CaseStatus
ALL = frozenset(S)
IN_HAND = frozenset({S.AWAITING_DOCUMENTS, S.OPEN})


class Who:
    """Who may take an action."""

    HOLDER = "holder"  # the person accountable now
    HOLDER_OR_SUPERVISOR = "holder_or_supervisor"
    RECEIVER = "receiver"  # the receiver of the pending handover (person, or member of the department)
    GIVER = "giver"  # who made the pending handover, or a supervisor
    SUPERVISOR = "supervisor"
    ESTATE_STAFF = "estate_staff"  # anyone serving the estate
    # Customer-service staff doing return visits (Cap.FOLLOWUP_VISIT): the visitor is usually not the
    # technician who holds the case, and must still be able to record the result that closes or reopens it.
    SERVICE_STAFF = "service_staff"


# For each kind of actor, the capability (from the roles table) that lets a role take the action
# without holding a position on the case; None: only a position does (the accountable person, the
# receiver of the pending handover). Anyone who may see the case may hold such a position.
WHO_CAPS: dict[str, str | None] = {
    Who.ESTATE_STAFF: Cap.CASE_VIEW,
    Who.SERVICE_STAFF: Cap.FOLLOWUP_VISIT,
    Who.SUPERVISOR: Cap.CASE_SUPERVISE,
    Who.HOLDER_OR_SUPERVISOR: Cap.CASE_SUPERVISE,
    Who.GIVER: Cap.CASE_SUPERVISE,  # besides the giver of the handover
    Who.HOLDER: None,
    Who.RECEIVER: None,
}


@dataclass(frozen=True)
class Action:
    """A row of the table: label, statuses it is allowed in, who, and the pending-handover rule."""

    code: str
    label: Promise
    statuses: frozenset[str]
    who: str
    pending: bool | None = None  # True: needs a pending handover; False: needs none; None: either
    paused: bool | None = None  # True: only while the clock is paused; False: only while it runs
    # False: taken on its own page (the return-visit form), so the case page does not offer it.
    on_case_page: bool = True
    # Categories for which the case page offers the action to supervisors only (the service then
    # asks them for a reason): repairs and complaints close through their return visit.
    page_supervisor_only_for: frozenset[str] = frozenset()


ACTIONS: dict[str, Action] = {
    a.code: a
    for a in (
        Action("hand_over", _("转办"), IN_HAND, Who.HOLDER_OR_SUPERVISOR, pending=False),
        Action("keep_in_stead", _("先行接收"), IN_HAND, Who.HOLDER, pending=False),
        Action("request_assignment", _("请领导指派"), IN_HAND, Who.HOLDER),
        Action("accept_handover", _("接收"), frozenset(ACTIVE_STATUSES), Who.RECEIVER, pending=True),
        Action("return_handover", _("退回"), frozenset(ACTIVE_STATUSES), Who.RECEIVER, pending=True),
        Action("cancel_handover", _("撤回转办"), frozenset(ACTIVE_STATUSES), Who.GIVER, pending=True),
        Action("reassign", _("指派处理人"), frozenset(ACTIVE_STATUSES), Who.SUPERVISOR),
        Action("record_attribution", _("认定责任归属"), frozenset(ACTIVE_STATUSES), Who.HOLDER_OR_SUPERVISOR),
        Action("tick_documents", _("核对资料"), frozenset({S.AWAITING_DOCUMENTS}), Who.HOLDER_OR_SUPERVISOR),
        Action("give_notice", _("一次性告知"), frozenset({S.AWAITING_DOCUMENTS}), Who.HOLDER_OR_SUPERVISOR),
        Action(
            "accept_for_processing",
            _("资料齐全，受理办理"),
            frozenset({S.AWAITING_DOCUMENTS}),
            Who.HOLDER_OR_SUPERVISOR,
        ),
        Action("record_visit", _("住户再次来访"), frozenset(ACTIVE_STATUSES), Who.ESTATE_STAFF),
        Action("add_note", _("内部备注"), ALL, Who.ESTATE_STAFF),
        Action("add_message", _("答复住户"), frozenset(ACTIVE_STATUSES), Who.HOLDER_OR_SUPERVISOR),
        Action("attach", _("上传附件"), ALL - {S.VOID}, Who.ESTATE_STAFF),
        Action("resolve", _("处理完成"), frozenset({S.OPEN}), Who.HOLDER, pending=False),
        Action("reopen", _("重新打开"), frozenset({S.RESOLVED}), Who.HOLDER_OR_SUPERVISOR),
        Action(
            "close",
            _("办结"),
            frozenset({S.RESOLVED}),
            Who.HOLDER_OR_SUPERVISOR,
            page_supervisor_only_for=frozenset({"household_repair", "public_repair", "complaint"}),
        ),
        Action("decline", _("婉拒（不合理要求）"), IN_HAND, Who.HOLDER, pending=False),
        Action("void", _("作废（登记错误）"), ALL - {S.VOID}, Who.SUPERVISOR),
        Action("send_receipt", _("短信发送回执"), frozenset(ACTIVE_STATUSES), Who.ESTATE_STAFF),
        Action("pause", _("暂停计时"), frozenset(ACTIVE_STATUSES), Who.HOLDER_OR_SUPERVISOR, paused=False),
        Action("resume", _("恢复计时"), frozenset(ACTIVE_STATUSES), Who.HOLDER_OR_SUPERVISOR, paused=True),
        # The return visit closes (satisfied) or reopens (unsatisfied) the case: see shouwen.followups.
        Action(
            "record_return_visit",
            _("记录回访"),
            frozenset({S.RESOLVED}),
            Who.SERVICE_STAFF,
            on_case_page=False,
        ),
    )
}


class CaseActionDenied(PermissionDenied):
    """The action is not allowed for this person on this case now (message for the user)."""


def pending_handover(case: Case) -> Handover | None:
    """Return the case's pending handover, if any."""
    return (
        case.handovers.filter(status=HandoverStatus.PENDING)
        .select_related("to_staff", "to_department")
        .first()
    )


def is_supervisor(staff: Staff, case: Case) -> bool:
    """Return whether the staff member supervises cases of the case's estate."""
    return can(staff.user, Cap.CASE_SUPERVISE) and can_see_estate(staff.user, case.estate_id)


def _is_receiver(staff: Staff, handover: Handover) -> bool:
    if handover.to_staff_id is not None:
        return handover.to_staff_id == staff.pk
    return staff.department_id is not None and staff.department_id == handover.to_department_id


def _who_allows(who: str, staff: Staff, case: Case, handover: Handover | None) -> bool:
    if (
        not staff.is_active
        or not can_see_estate(staff.user, case.estate_id)
        or not can(staff.user, Cap.CASE_VIEW)
    ):
        return False
    cap = WHO_CAPS[who]
    if cap is not None and can(staff.user, cap):
        return who != Who.GIVER or handover is not None
    if who in (Who.HOLDER, Who.HOLDER_OR_SUPERVISOR):
        return case.accountable_id == staff.pk
    if who == Who.RECEIVER:
        return handover is not None and _is_receiver(staff, handover)
    if who == Who.GIVER:
        return handover is not None and handover.from_staff_id == staff.pk
    return False


def cap_for(code: str) -> str | None:
    """Return the capability that allows action ``code`` without a position on the case (None: none does)."""
    return WHO_CAPS[ACTIONS[code].who]


def allows(code: str, staff: Staff, case: Case, handover: Handover | None | bool = False) -> bool:
    """Return whether ``staff`` may take action ``code`` on ``case`` now."""
    action = ACTIONS[code]
    if case.status not in action.statuses:
        return False
    if handover is False:
        handover = pending_handover(case)
    assert handover is not True
    if action.pending is True and handover is None:
        return False
    if action.pending is False and handover is not None:
        return False
    if action.paused is not None and action.paused != (case.paused_since is not None):
        return False
    return _who_allows(action.who, staff, case, handover)


def allowed_actions(staff: Staff, case: Case) -> list[Action]:
    """Return the actions the staff member may take from the case page now, in table order."""
    handover = pending_handover(case)
    return [
        a
        for a in ACTIONS.values()
        if a.on_case_page
        and (case.category not in a.page_supervisor_only_for or is_supervisor(staff, case))
        and allows(a.code, staff, case, handover)
    ]


def check(code: str, staff: Staff, case: Case) -> None:
    """Raise CaseActionDenied with a message for the user unless the action is allowed."""
    if not allows(code, staff, case):
        action = ACTIONS[code]
        raise CaseActionDenied(
            gettext("现在不能对事项 %(number)s 执行“%(action)s”（状态：%(status)s）。")
            % {"number": case.number, "action": action.label, "status": case.get_status_display()}
        )
