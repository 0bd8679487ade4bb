"""The one table of what can be done to a case: each row declares an action whole.

Pages show exactly the actions :func:`allowed_actions` returns and post them to the one generated
endpoint (:class:`shouwen.core.action_views.ActionPostView`); the API's action routes are generated
from the same rows (:mod:`shouwen.api.actions`). Service functions call :func:`apply` (or
:func:`check`) before changing anything, and only :func:`apply` moves a case's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import can_see_estate
from shouwen.cases import forms
from shouwen.cases.models import ACTIVE_STATUSES, Case, CaseStatus, Handover, HandoverStatus
from shouwen.core.actions import Action as TableRow
from shouwen.core.actions import ActionTable
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
class Action(TableRow):
    """A case action: the common row plus the case's own conditions.

    ``pending``: True needs a pending handover, False needs none, None either; ``paused``: True only
    while the clock is paused, False only while it runs; ``page_supervisor_only_for``: categories
    for which the case page offers the action to supervisors only (the service then asks them for a
    reason): repairs and complaints close through their return visit; ``needs_email``: only when a
    reply by e-mail can go somewhere.
    """

    pending: bool | None = None
    paused: bool | None = None
    page_supervisor_only_for: frozenset[str] = frozenset()
    # Only when the case has an address to write to and its estate a mailbox (shouwen.mailbox).
    needs_email: bool = False


def _handed_over_message(handover: Handover) -> str:
    from shouwen.cases.handover import handed_over_message

    return handed_over_message(handover)


F = "shouwen.cases.forms."
SV = "shouwen.cases.services."
HANDLED_BY_RETURN_VISIT = frozenset({"household_repair", "public_repair", "complaint"})

TABLE_ROWS = (
    Action(
        "hand_over",
        _("转办"),
        IN_HAND,
        Who.HOLDER_OR_SUPERVISOR,
        pending=False,
        form=forms.HandOverForm,
        service=SV + "hand_over",
        message=lambda handover: _handed_over_message(handover),
    ),
    Action(
        "keep_in_stead",
        _("先行接收"),
        IN_HAND,
        Who.HOLDER,
        pending=False,
        form=forms.KeepForm,
        service=SV + "keep_in_stead",
        message=_("已记录先行接收。"),
    ),
    Action(
        "request_assignment",
        _("请领导指派"),
        IN_HAND,
        Who.HOLDER,
        form=forms.AssignmentRequestForm,
        service=SV + "request_assignment",
        message=_("已请领导指派处理人。"),
    ),
    Action(
        "accept_handover",
        _("接收"),
        frozenset(ACTIVE_STATUSES),
        Who.RECEIVER,
        pending=True,
        form=forms.AcceptHandoverForm,
        service=SV + "accept_handover",
        message=_("已接收，您现在是该事项的责任人。"),
    ),
    Action(
        "return_handover",
        _("退回"),
        frozenset(ACTIVE_STATUSES),
        Who.RECEIVER,
        pending=True,
        form=forms.ReturnHandoverForm,
        service=SV + "return_handover",
        message=_("已退回。"),
    ),
    Action(
        "cancel_handover",
        _("撤回转办"),
        frozenset(ACTIVE_STATUSES),
        Who.GIVER,
        pending=True,
        form=forms.CancelHandoverForm,
        service=SV + "cancel_handover",
        message=_("已撤回转办。"),
    ),
    Action(
        "reassign",
        _("指派处理人"),
        frozenset(ACTIVE_STATUSES),
        Who.SUPERVISOR,
        form=forms.ReassignForm,
        service=SV + "reassign",
        message=_("已指派处理人。"),
    ),
    Action(
        "chase",
        _("催办"),
        frozenset(ACTIVE_STATUSES),
        Who.SUPERVISOR,
        form=forms.ChaseForm,
        service=SV + "chase",
        message=_("已催办，责任人已收到通知。"),
    ),
    Action(
        "record_attribution",
        _("认定责任归属"),
        frozenset(ACTIVE_STATUSES),
        Who.HOLDER_OR_SUPERVISOR,
        form=forms.AttributionForm,
        service=SV + "record_attribution",
        message=_("已记录责任归属。"),
        api="attribution",
    ),
    Action(
        "correct",
        _("更正登记"),
        frozenset(ACTIVE_STATUSES),
        Who.HOLDER_OR_SUPERVISOR,
        form=forms.CorrectionForm,
        service=SV + "correct_registration",
        message=_("已更正登记，各项时限已按更正后的内容重新计算。"),
        api="correction",
    ),
    Action(
        "tick_documents",
        _("核对资料"),
        frozenset({S.AWAITING_DOCUMENTS}),
        Who.HOLDER_OR_SUPERVISOR,
        form=forms.DocumentsForm,
        service=SV + "tick_documents",
        message=_("已核对资料。"),
        api="documents",
    ),
    Action(
        "give_notice",
        _("一次性告知"),
        frozenset({S.AWAITING_DOCUMENTS}),
        Who.HOLDER_OR_SUPERVISOR,
        form=forms.NoticeForm,
        service=SV + "give_one_time_notice",
        message=_("已记录一次性告知。"),
        api="one-time-notice",
        result="notice",
    ),
    Action(
        "accept_for_processing",
        _("资料齐全，受理办理"),
        frozenset({S.AWAITING_DOCUMENTS}),
        Who.HOLDER_OR_SUPERVISOR,
        to=S.OPEN,
        form=forms.AcceptForProcessingForm,
        service=SV + "accept_for_processing",
        message=_("已受理办理。"),
    ),
    Action(
        "record_visit",
        _("住户再次来访"),
        frozenset(ACTIVE_STATUSES),
        Who.ESTATE_STAFF,
        form=forms.VisitForm,
        service=SV + "record_visit",
        message=_("已登记本次来电来访。"),
        api="visits",
        result="contact",
    ),
    Action(
        "add_note",
        _("内部备注"),
        ALL,
        Who.ESTATE_STAFF,
        form=forms.NoteForm,
        service=SV + "add_note",
        message=_("已保存。"),
        api="notes",
        result="note",
    ),
    Action(
        "add_message",
        _("答复住户"),
        frozenset(ACTIVE_STATUSES),
        Who.HOLDER_OR_SUPERVISOR,
        form=forms.MessageForm,
        service=SV + "add_note",
        message=_("已保存。"),
        api="messages",
        result="note",
    ),
    Action(
        "reply_by_email",
        _("邮件答复住户"),
        frozenset(ACTIVE_STATUSES),
        Who.HOLDER_OR_SUPERVISOR,
        needs_email=True,
        form=forms.EmailReplyForm,
        service="shouwen.mailbox.services.reply_by_email",
        message=_("邮件已发送，已记录为答复住户。"),
        api="email-replies",
        result="note",
    ),
    Action(
        "attach",
        _("上传附件"),
        ALL - {S.VOID},
        Who.ESTATE_STAFF,
        form=forms.AttachmentForm,
        service=SV + "add_attachment",
        message=_("已上传附件。"),
        api="attachments",
        result="attachment",
    ),
    Action(
        "resolve",
        _("处理完成"),
        frozenset({S.OPEN}),
        Who.HOLDER,
        pending=False,
        to=S.RESOLVED,
        also_to=frozenset({S.CLOSED}),
        form=forms.ResolveForm,
        service=SV + "resolve_case",
        message=_("已记录处理结果。"),
    ),
    Action(
        "reopen",
        _("重新打开"),
        frozenset({S.RESOLVED}),
        Who.HOLDER_OR_SUPERVISOR,
        to=S.OPEN,
        form=forms.ReasonForm,
        service=SV + "reopen_case",
        message=_("已重新打开。"),
    ),
    Action(
        "close",
        _("办结"),
        frozenset({S.RESOLVED}),
        Who.HOLDER_OR_SUPERVISOR,
        to=S.CLOSED,
        page_supervisor_only_for=HANDLED_BY_RETURN_VISIT,
        form=forms.CloseForm,
        service=SV + "close_case",
        message=_("已办结。"),
    ),
    Action(
        "decline",
        _("婉拒（不合理要求）"),
        IN_HAND,
        Who.HOLDER,
        pending=False,
        to=S.DECLINED,
        form=forms.DeclineForm,
        service=SV + "decline_case",
        message=_("已婉拒并记录理由。"),
    ),
    Action(
        "void",
        _("作废（登记错误）"),
        ALL - {S.VOID},
        Who.SUPERVISOR,
        to=S.VOID,
        form=forms.VoidForm,
        service=SV + "void_case",
        message=_("已作废，记录保留。"),
    ),
    Action(
        "send_receipt",
        _("短信发送回执"),
        frozenset(ACTIVE_STATUSES),
        Who.ESTATE_STAFF,
        service=SV + "send_receipt",
        message=_("回执短信已发送。"),
    ),
    Action(
        "pause",
        _("暂停计时"),
        frozenset(ACTIVE_STATUSES),
        Who.HOLDER_OR_SUPERVISOR,
        paused=False,
        form=forms.PauseForm,
        service=SV + "pause_case",
        message=_("已暂停计时，暂停期间不计入时限。"),
    ),
    Action(
        "resume",
        _("恢复计时"),
        frozenset(ACTIVE_STATUSES),
        Who.HOLDER_OR_SUPERVISOR,
        paused=True,
        form=forms.ResumeForm,
        service=SV + "resume_case",
        message=_("已恢复计时，各项时限已顺延。"),
    ),
    # The return visit closes (satisfied) or reopens (unsatisfied) the case; it is recorded on its own
    # page and route (shouwen.followups.transitions), so neither the case page nor the case API offer it.
    Action(
        "record_return_visit",
        _("记录回访"),
        frozenset({S.RESOLVED}),
        Who.SERVICE_STAFF,
        to=S.CLOSED,
        also_to=frozenset({S.OPEN}),
        page=False,
        api=None,
    ),
)


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


def _has_email(case: Case) -> bool:
    from shouwen.mailbox.services import has_email

    return has_email(case)


class CaseTable(ActionTable[Case, Action]):
    """The case's actions; the refusal is the same sentence whichever condition fails."""

    state_field = "status"
    denied = CaseActionDenied

    def context(self, target: Case) -> dict[str, Any]:
        """Read the pending handover once for all rows."""
        return {"handover": pending_handover(target)}

    def refusal(self, row: Action, staff: Staff, target: Case, context: Mapping[str, Any]) -> str | None:
        """Return the refusal message unless the row's status, handover, clock and who rules allow it."""
        handover = context.get("handover")
        if (
            target.status in row.states
            and (row.pending is None or row.pending == (handover is not None))
            and (row.paused is None or row.paused == (target.paused_since is not None))
            and _who_allows(row.who, staff, target, handover)
            and (not row.needs_email or _has_email(target))
        ):
            return None
        return gettext("现在不能对事项 %(number)s 执行“%(action)s”（状态：%(status)s）。") % {
            "number": target.number,
            "action": row.label,
            "status": target.get_status_display(),
        }


TABLE = CaseTable(*TABLE_ROWS)
ACTIONS: Mapping[str, Action] = TABLE.rows


def cap_for(code: str) -> str | None:
    """Return the capability that allows action ``code`` without a position on the case (None: none does)."""
    return WHO_CAPS[ACTIONS[code].who]


def allows(code: str, staff: Staff, case: Case, handover: Handover | None | bool = False) -> bool:
    """Return whether ``staff`` may take action ``code`` on ``case`` now."""
    context = None if handover is False else {"handover": handover}
    return TABLE.allows(code, staff, case, context)


def allowed_actions(staff: Staff, case: Case, handover: Handover | None | bool = False) -> list[Action]:
    """Return the actions the staff member may take from the case page now, in table order.

    ``handover``: the pending handover when the caller has read it already (False: read it here).
    """
    context = None if handover is False else {"handover": handover}
    return [
        a
        for a in TABLE.allowed(staff, case, page=True, context=context)
        if case.category not in a.page_supervisor_only_for or is_supervisor(staff, case)
    ]


def check(code: str, staff: Staff, case: Case) -> Action:
    """Raise CaseActionDenied with a message for the user unless the action is allowed."""
    return TABLE.check(code, staff, case)


def apply(code: str, staff: Staff, case: Case, *, to: str | None = None) -> Action:
    """Check the action and set the status it leads to on ``case`` (the service saves it)."""
    return TABLE.apply(code, staff, case, to=to)
