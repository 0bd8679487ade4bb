"""Handing a case over (交接): pending until accepted, sent back, withdrawn, kept for now, assigned."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwen.cases import transitions
from shouwen.cases.lib import CaseConflict, Kind, _give_to, _required, _serves, department_people, tell
from shouwen.cases.lib import lock_case as _lock
from shouwen.cases.lib import record_event as _event
from shouwen.cases.lib import save_case as _save
from shouwen.cases.models import (
    Case,
    Handover,
    HandoverStatus,
    Responsibility,
)
from shouwen.core.i18n import stored
from shouwen.core.services import for_update
from shouwen.core.textlimits import check_long
from shouwen.directory.models import Department, Staff


@transaction.atomic
def hand_over(
    staff: Staff,
    case: Case,
    *,
    note: str,
    to_department: Department | None = None,
    to_staff: Staff | None = None,
) -> Handover:
    """Hand the case to a department or a named person; the giver stays accountable until accepted."""
    check_long(note=note)
    case = _lock(case)
    transitions.check("hand_over", staff, case)
    note = _required(note, _("转办必须填写交接说明。"))
    if to_department is None and to_staff is None:
        raise ValidationError(_("请选择接收部门或接收人。"))
    if to_department is not None and to_department.estate_id != case.estate_id:
        raise ValidationError(_("接收部门不属于该小区。"))
    if to_staff is not None:
        if not _serves(to_staff, case.estate):
            raise ValidationError(_("接收人不服务于该小区或已离职。"))
        if to_staff.pk == case.accountable_id:
            raise ValidationError(_("接收人已是当前责任人。"))
        if to_department is not None and to_staff.department_id != to_department.pk:
            raise ValidationError(_("接收人不属于所选部门。"))
    giver = case.accountable
    assert giver is not None  # an active case always has one (database constraint)
    handover = Handover.objects.create(
        case=case, from_staff=giver, to_department=to_department, to_staff=to_staff, note=note
    )
    receiver = str(to_staff or to_department)
    _event(case, staff, Kind.HANDOVER, note, handover=handover.pk, to=receiver)
    if to_staff is None and to_department is not None and nobody_on_duty(to_department):
        # 先行接收: the rostered department has nobody on duty; the giver keeps the case until it is accepted.
        text = stored(
            gettext_noop("%(dept)s当前无人值班，由%(who)s先行接收，值班人员接收前仍由其负责。"),
            dept=to_department.name,
            who=giver.name,
        )
        _event(case, staff, Kind.KEPT, text, department=to_department.pk)
    _save(case)
    params = {"who": staff.name, "number": case.number, "summary": case.summary, "to": receiver}
    if to_staff is not None:
        tell(
            [to_staff],
            staff,
            case,
            stored(gettext_noop("%(who)s 转办 %(number)s 给您：%(summary)s"), **params),
            note,
        )
    else:
        assert to_department is not None  # checked above
        people = department_people(to_department, case.estate_id)
        tell(
            people,
            staff,
            case,
            stored(gettext_noop("%(who)s 转办 %(number)s 给%(to)s：%(summary)s"), **params),
            note,
        )
    return handover


def nobody_on_duty(department: Department) -> bool:
    """Return whether the department keeps a duty roster and nobody of it is on duty now."""
    from shouwen.duty.services import nobody_on_duty as uncovered

    return uncovered(department)


def handed_over_message(handover: Handover) -> str:
    """The message after a handover: a warning when the receiving department has nobody on duty."""
    if (
        handover.to_staff_id is None
        and handover.to_department is not None
        and nobody_on_duty(handover.to_department)
    ):
        return _("注意：%(dept)s当前无人值班。已转办，但事项仍由您先行接收、由您负责，直到值班人员接收。") % {
            "dept": handover.to_department.name
        }
    return _("已转办，等待对方接收；接收前您仍是责任人。")


def _lock_pending(handover: Handover) -> tuple[Case, Handover]:
    case = _lock(handover.case)
    fresh = for_update(Handover).get(pk=handover.pk)
    if fresh.status != HandoverStatus.PENDING:
        raise CaseConflict(
            _("该转办已被处理（%(status)s），请刷新页面。") % {"status": fresh.get_status_display()}
        )
    return case, fresh


@transaction.atomic
def accept_handover(staff: Staff, handover: Handover) -> Case:
    """Accept a pending handover: the receiver becomes the accountable person from now on."""
    case, handover = _lock_pending(handover)
    transitions.check("accept_handover", staff, case)
    handover.status = HandoverStatus.ACCEPTED
    handover.decided_at = timezone.now()
    handover.decided_by = staff
    handover.save(update_fields=["status", "decided_at", "decided_by"])
    _give_to(case, staff, Responsibility.Via.HANDOVER, note=handover.note, handover=handover)
    _event(case, staff, Kind.HANDOVER_ACCEPTED, handover.note, handover=handover.pk)
    _save(case, "accountable", "department", "assignment_requested")
    params = {"who": staff.name, "number": case.number, "summary": case.summary}
    tell(
        [handover.from_staff],
        staff,
        case,
        stored(gettext_noop("%(who)s 已接收 %(number)s：%(summary)s"), **params),
    )
    return case


@transaction.atomic
def return_handover(staff: Staff, handover: Handover, *, reason: str) -> Case:
    """Send a pending handover back with a reason; the giver stays accountable."""
    check_long(reason=reason)
    reason = _required(reason, _("退回必须说明原因。"))
    case, handover = _lock_pending(handover)
    transitions.check("return_handover", staff, case)
    handover.status = HandoverStatus.RETURNED
    handover.decided_at = timezone.now()
    handover.decided_by = staff
    handover.reason = reason
    handover.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    _event(case, staff, Kind.HANDOVER_RETURNED, reason, handover=handover.pk)
    _save(case)
    params = {"who": staff.name, "number": case.number, "summary": case.summary}
    tell(
        [handover.from_staff],
        staff,
        case,
        stored(gettext_noop("%(who)s 退回了 %(number)s：%(summary)s"), **params),
        reason,
    )
    return case


@transaction.atomic
def cancel_handover(staff: Staff, handover: Handover, *, reason: str = "") -> Case:
    """Withdraw a pending handover (the giver or a supervisor)."""
    check_long(reason=reason)
    case, handover = _lock_pending(handover)
    transitions.check("cancel_handover", staff, case)
    handover.status = HandoverStatus.CANCELLED
    handover.decided_at = timezone.now()
    handover.decided_by = staff
    handover.reason = reason.strip()
    handover.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    _event(case, staff, Kind.HANDOVER_CANCELLED, reason, handover=handover.pk)
    _save(case)
    return case


@transaction.atomic
def keep_in_stead(staff: Staff, case: Case, *, department: Department, note: str = "") -> Case:
    """Record that the department had nobody on duty and the holder keeps the case for now (先行接收)."""
    check_long(note=note)
    case = _lock(case)
    transitions.check("keep_in_stead", staff, case)
    if department.estate_id != case.estate_id:
        raise ValidationError(_("该部门不属于本小区。"))
    text = note.strip() or stored(
        gettext_noop("%(dept)s暂无人在岗，由首问责任人先行接收，稍后转办。"), dept=department.name
    )
    _event(case, staff, Kind.KEPT, text, department=department.pk)
    _save(case)
    return case


@transaction.atomic
def request_assignment(staff: Staff, case: Case, *, note: str) -> Case:
    """Ask a supervisor to name a handler; the holder stays accountable meanwhile."""
    check_long(note=note)
    case = _lock(case)
    transitions.check("request_assignment", staff, case)
    note = _required(note, _("请说明需要指派的原因。"))
    case.assignment_requested = True
    _event(case, staff, Kind.ASSIGNMENT_REQUESTED, note)
    _save(case, "assignment_requested")
    return case


@transaction.atomic
def reassign(staff: Staff, case: Case, *, to_staff: Staff, note: str) -> Case:
    """A supervisor names the handler, who is accountable at once; a pending handover is withdrawn."""
    check_long(note=note)
    case = _lock(case)
    transitions.check("reassign", staff, case)
    note = _required(note, _("指派必须填写说明。"))
    if not _serves(to_staff, case.estate):
        raise ValidationError(_("被指派人不服务于该小区或已离职。"))
    if to_staff.pk == case.accountable_id:
        raise ValidationError(_("被指派人已是当前责任人。"))
    pending = case.handovers.filter(status=HandoverStatus.PENDING)
    for h in pending:
        h.status = HandoverStatus.CANCELLED
        h.decided_at = timezone.now()
        h.decided_by = staff
        h.reason = _("领导已直接指派处理人")
        h.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    former = case.accountable
    _give_to(case, to_staff, Responsibility.Via.REASSIGNED, note=note)
    _event(case, staff, Kind.REASSIGNED, note, to=to_staff.pk)
    _save(case, "accountable", "department", "assignment_requested")
    params = {"who": staff.name, "number": case.number, "summary": case.summary, "name": to_staff.name}
    tell(
        [to_staff],
        staff,
        case,
        stored(gettext_noop("%(who)s 指派 %(number)s 由您处理：%(summary)s"), **params),
        note,
    )
    tell(
        [former], staff, case, stored(gettext_noop("%(who)s 已将 %(number)s 指派给 %(name)s"), **params), note
    )
    return case


@transaction.atomic
def chase(staff: Staff, case: Case, *, note: str = "") -> Case:
    """A supervisor presses the accountable person (催办): in the timeline, and the holder is notified."""
    from shouwen.notifications.models import Kind as NotificationKind
    from shouwen.notifications.services import notify

    check_long(note=note)
    case = _lock(case)
    transitions.check("chase", staff, case)
    holder = case.accountable
    assert holder is not None  # an active case always has one (database constraint)
    if holder.pk == staff.pk:
        raise ValidationError(_("您就是该事项的责任人，无需催办自己。"))
    text = note.strip() or stored(gettext_noop("请尽快办理并答复住户。"))
    _event(case, staff, Kind.CHASED, text, holder=holder.pk)
    _save(case)
    notify(
        holder,
        title=stored(
            gettext_noop("%(who)s 催办 %(number)s：%(summary)s"),
            who=staff.name,
            number=case.number,
            summary=case.summary,
        ),
        body=text,
        case=case,
        kind=NotificationKind.CHASED,
        url=reverse("cases:detail", args=[case.number]),
    )
    return case


@dataclass(frozen=True)
class Outcome:
    """What became of one case of a bulk reassignment: done, or the reason it was refused."""

    number: str
    done: bool
    reason: str = ""


def reassign_many(
    staff: Staff, scoped: QuerySet[Case], numbers: list[str], *, to_staff: Staff, note: str
) -> list[Outcome]:
    """Reassign several cases, one :func:`reassign` (one transaction) per case, every refusal reported.

    ``scoped`` is the cases the supervisor may see; a number outside it is reported as not found. A
    refusal on one case leaves it as it was and does not stop the others.
    """
    found = {c.number: c for c in scoped.filter(number__in=numbers).select_related("estate")}
    outcomes = []
    for number in dict.fromkeys(numbers):  # each number once, in the order given
        case = found.get(number)
        if case is None:
            outcomes.append(Outcome(number, False, _("没有找到该事项，或您无权查看。")))
            continue
        try:
            reassign(staff, case, to_staff=to_staff, note=note)
        except (ValidationError, PermissionDenied, CaseConflict) as exc:
            text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            outcomes.append(Outcome(number, False, text))
        else:
            outcomes.append(Outcome(number, True))
    return outcomes
