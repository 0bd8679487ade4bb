"""Service functions of return visits: open one when a repair or complaint is resolved, record the result.

A satisfied result closes the case; an unsatisfied one sends it back to its last holder with the
resident's words, and the next resolution opens the next round (000 篇2 六 9; 001 投诉处理及回访制度 六).
A call that reaches nobody is counted and the visit stays in the queue. Every step is on the
case's timeline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwen.cases import services as case_services
from shouwen.cases import transitions
from shouwen.cases.models import REPAIR_CATEGORIES, Case, CaseEvent
from shouwen.cases.services import RETURN_VISIT_CATEGORIES, CaseConflict
from shouwen.core.i18n import stored
from shouwen.core.services import for_update
from shouwen.core.textlimits import check_lengths, check_long, field_max
from shouwen.directory.models import Staff
from shouwen.followups.models import (
    SATISFIED_RESULTS,
    STAFF_CHANNELS,
    AttemptOutcome,
    ReturnVisit,
    ReturnVisitAttempt,
    Satisfaction,
    VisitChannel,
    VisitStatus,
)

if TYPE_CHECKING:
    from shouwen.sla.models import Deadline

Kind = CaseEvent.Kind

# "其他维修项目2天内回访" (001 报修接待 ④): the limit when no deadline policy applies (complaints, paused clock).
DEFAULT_DAYS = 2


def default_due(start: datetime) -> datetime:
    """Return midnight at the end of the second calendar day after ``start`` (the day itself is day 0)."""
    day = timezone.localdate(start) + timedelta(days=DEFAULT_DAYS + 1)
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _deadline_due(case: Case) -> datetime | None:
    """Return when the case's running return-visit deadline falls due, if the sla app opened one."""
    from shouwen.sla.models import Deadline, DeadlineKind, DeadlineState

    return (
        Deadline.objects.filter(
            case=case, kind=DeadlineKind.RETURN_VISIT, state=DeadlineState.RUNNING, due_at__isnull=False
        )
        .order_by("-started_at", "-pk")
        .values_list("due_at", flat=True)
        .first()
    )


def open_return_visit(case: Case, at: datetime | None = None) -> ReturnVisit | None:
    """Open the next round's return visit of a resolved repair or complaint; None for other categories."""
    if case.category not in RETURN_VISIT_CATEGORIES:
        return None
    pending = ReturnVisit.objects.filter(case=case, status=VisitStatus.PENDING).first()
    if pending is not None:
        return pending
    now = at or timezone.now()
    last = ReturnVisit.objects.filter(case=case).aggregate(last=Max("round"))["last"] or 0
    return ReturnVisit.objects.create(
        case=case,
        round=last + 1,
        created_at=now,
        due_at=_deadline_due(case) or default_due(now),
    )


def cancel_pending_visits(case: Case) -> int:
    """Cancel the case's waiting visit once it is no longer needed (reopened, closed otherwise, voided)."""
    return ReturnVisit.objects.filter(case=case, status=VisitStatus.PENDING).update(
        status=VisitStatus.CANCELLED
    )


def follow_deadline(deadline: Deadline) -> int:
    """Give the waiting visit the due time of the case's return-visit deadline (opened or recomputed)."""
    from shouwen.sla.models import DeadlineKind, DeadlineState

    if deadline.kind != DeadlineKind.RETURN_VISIT or deadline.state != DeadlineState.RUNNING:
        return 0
    if deadline.due_at is None:
        return 0
    pending = ReturnVisit.objects.filter(case_id=deadline.case_id, status=VisitStatus.PENDING)
    return pending.exclude(due_at=deadline.due_at).update(due_at=deadline.due_at)


def on_case_event(event: CaseEvent) -> None:
    """Open or cancel return visits according to what just happened to the case."""
    kind = event.kind
    if kind == Kind.RESOLVED:
        open_return_visit(event.case, event.at)
    elif kind in (Kind.REOPENED, Kind.CLOSED, Kind.DECLINED, Kind.VOIDED):
        cancel_pending_visits(event.case)


def _lock(visit: ReturnVisit) -> tuple[Case, ReturnVisit]:
    """Lock the case, then the visit (always in this order), and refuse a visit no longer waiting."""
    case = for_update(Case).select_related("estate").get(pk=visit.case_id)
    fresh = for_update(ReturnVisit).get(pk=visit.pk)
    if fresh.status != VisitStatus.PENDING:
        raise CaseConflict(
            _("该回访已处理（%(status)s），请刷新页面。") % {"status": fresh.get_status_display()}
        )
    return case, fresh


def resolvers(case: Case) -> set[int]:
    """Return the ids of the staff who resolved the case, who may not check their own work.

    The actor of the latest resolution, unless the system resolved it in the holder's name when
    the last work order was done; and for repairs the technicians who did its work orders.
    """
    ids: set[int] = set()
    latest = CaseEvent.objects.filter(case=case, kind=Kind.RESOLVED).order_by("-at", "-pk").first()
    if latest is not None and latest.actor_id is not None and not latest.data.get("by_work_orders"):
        ids.add(latest.actor_id)
    if case.category in REPAIR_CATEGORIES:
        # Imported here: work orders are an app of their own that followups otherwise never needs.
        from shouwen.workorders.models import State, WorkOrderTechnician

        ids.update(
            WorkOrderTechnician.objects.filter(
                work_order__case=case, work_order__state=State.DONE, removed_at__isnull=True
            ).values_list("staff_id", flat=True)
        )
    return ids


def own_work_refusal(staff: Staff, case: Case) -> str | None:
    """Return why ``staff`` may not record the case's visit because they resolved it, else None.

    A supervisor who resolved it may still record it, giving a reason (the visit is then marked).
    """
    if staff.pk not in resolvers(case) or transitions.is_supervisor(staff, case):
        return None
    return _(
        "您参与处理了事项 %(number)s，不能记录它的回访：回访是对处理结果的独立核实，请由其他客服人员回访。"
    ) % {"number": case.number}


@transaction.atomic
def record_return_visit(
    staff: Staff,
    visit: ReturnVisit,
    *,
    channel: str,
    satisfaction: str,
    comments: str = "",
    override_reason: str = "",
) -> ReturnVisit:
    """Record the resident's opinion: satisfied closes the case, unsatisfied reopens it to its holder.

    Whoever resolved the case may not record its visit (001 投诉处理及回访制度: the visit checks the
    work); a supervisor may, with ``override_reason``, and the visit is marked.
    """
    comments = (comments or "").strip()
    override_reason = (override_reason or "").strip()
    check_long(comments=comments)
    check_lengths({"override_reason": (override_reason, field_max(ReturnVisit, "by_resolver_reason"))})
    case, visit = _lock(visit)
    transitions.check("record_return_visit", staff, case)
    refusal = own_work_refusal(staff, case)
    if refusal is not None:
        raise transitions.CaseActionDenied(refusal)
    by_resolver = staff.pk in resolvers(case)
    if by_resolver and not override_reason:
        raise ValidationError({"override_reason": [_("您参与处理了该事项，由本人回访须由主管填写原因。")]})
    if channel not in STAFF_CHANNELS:  # the portal's channel is the resident's own answer only
        raise ValidationError(_("请选择回访方式。"))
    if satisfaction not in Satisfaction.values:
        raise ValidationError(_("请选择住户的满意程度。"))
    if satisfaction == Satisfaction.UNSATISFIED and not comments:
        # The technician must know what to put right.
        raise ValidationError(_("住户不满意时，必须记录住户的意见。"))
    now = timezone.now()
    visit.status = VisitStatus.DONE
    visit.visitor = staff
    visit.visited_at = now
    visit.channel = channel
    visit.satisfaction = satisfaction
    visit.comments = comments
    visit.by_resolver = by_resolver
    visit.by_resolver_reason = override_reason if by_resolver else ""
    visit.save(
        update_fields=[
            "status",
            "visitor",
            "visited_at",
            "channel",
            "satisfaction",
            "comments",
            "by_resolver",
            "by_resolver_reason",
        ]
    )
    summary = stored(
        gettext_noop("第%(round)s次%(channel)s回访：%(result)s"),
        round=visit.round,
        channel=VisitChannel(visit.channel).label,
        result=Satisfaction(visit.satisfaction).label,
    )
    if by_resolver:
        summary = stored(
            gettext_noop("%(summary)s（处理人本人回访，原因：%(reason)s）"),
            summary=summary,
            reason=visit.by_resolver_reason,
        )
    data: dict[str, object] = {
        "visit": visit.pk,
        "round": visit.round,
        "channel": channel,
        "satisfaction": satisfaction,
    }
    if by_resolver:
        data.update(by_resolver=True, reason=visit.by_resolver_reason)
    CaseEvent.objects.create(
        case=case,
        actor=staff,
        kind=Kind.RETURN_VISIT,
        at=now,
        text=stored(gettext_noop("%(summary)s。%(comments)s"), summary=summary, comments=comments)
        if comments
        else summary,
        data=data,
    )
    if satisfaction in SATISFIED_RESULTS:
        case_services.close_after_return_visit(
            staff,
            case,
            note=stored(
                gettext_noop("回访%(result)s，办结。"), result=Satisfaction(visit.satisfaction).label
            ),
        )
    else:
        case_services.reopen_after_return_visit(
            staff, case, reason=stored(gettext_noop("回访不满意：%(comments)s"), comments=comments)
        )
    return visit


@transaction.atomic
def record_no_answer(
    staff: Staff, visit: ReturnVisit, outcome: str = AttemptOutcome.NO_ANSWER, note: str = ""
) -> ReturnVisitAttempt:
    """Record a call that reached nobody: the attempt is counted and the visit waits for the next try."""
    note = (note or "").strip()
    check_lengths({"note": (note, field_max(ReturnVisitAttempt, "note"))})
    case, visit = _lock(visit)
    transitions.check("record_return_visit", staff, case)
    refusal = own_work_refusal(staff, case)  # the attempts are part of the visit
    if refusal is not None:
        raise transitions.CaseActionDenied(refusal)
    if outcome not in AttemptOutcome.values:
        raise ValidationError(_("请选择未接通的原因。"))
    now = timezone.now()
    attempt = ReturnVisitAttempt.objects.create(visit=visit, at=now, by=staff, outcome=outcome, note=note)
    visit.attempts += 1
    visit.last_attempt_at = now
    visit.save(update_fields=["attempts", "last_attempt_at"])
    text = stored(
        gettext_noop("第%(round)s次回访未接通（第%(n)s次尝试）：%(outcome)s"),
        round=visit.round,
        n=visit.attempts,
        outcome=AttemptOutcome(attempt.outcome).label,
    )
    CaseEvent.objects.create(
        case=case,
        actor=staff,
        kind=Kind.RETURN_VISIT_FAILED,
        at=now,
        text=stored(gettext_noop("%(summary)s。%(comments)s"), summary=text, comments=attempt.note)
        if attempt.note
        else text,
        data={"visit": visit.pk, "round": visit.round, "outcome": outcome, "attempts": visit.attempts},
    )
    return attempt
