"""Service functions of deadlines: pausing the clock, reacting to what happens to a case, policies.

The cases app appends a CaseEvent for every change; :func:`on_case_event` turns those into
deadline changes in the same transaction, so the cases app needs to know nothing about deadlines.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.cases import transitions
from shouwen.cases.models import ACTIVE_STATUSES, Case, CaseEvent
from shouwen.core.textlimits import check_lengths, check_long, field_max
from shouwen.directory.models import Staff
from shouwen.sla import deadlines
from shouwen.sla.models import Deadline, DeadlineKind, DeadlinePolicy, DeadlineState, Pause, PauseReason

K = CaseEvent.Kind
RETURN_VISIT_CATEGORIES = {"household_repair", "public_repair", "complaint"}


@transaction.atomic
def pause_case(staff: Staff, case: Case, *, reason: str, note: str) -> Pause:
    """Stop the clock for a reason from the list; paused time does not count against any deadline."""
    note = (note or "").strip()
    check_lengths({"note": (note, field_max(Pause, "note"))})
    case = Case.objects.select_for_update().select_related("estate").get(pk=case.pk)
    transitions.check("pause", staff, case)
    if reason not in PauseReason.values:
        raise ValidationError(_("请选择暂停原因。"))
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("暂停计时必须说明情况。"))
    now = timezone.now()
    pause = Pause.objects.create(case=case, reason=reason, note=note, started_at=now, started_by=staff)
    case.paused_since = now
    case.save(update_fields=["paused_since"])
    CaseEvent.objects.create(
        case=case,
        actor=staff,
        kind=K.PAUSED,
        text=f"{pause.get_reason_display()}：{note}",
        data={"reason": reason},
    )
    deadlines.reschedule_case(case)
    return pause


@transaction.atomic
def resume_case(staff: Staff, case: Case, *, note: str = "") -> Case:
    """Start the clock again; every deadline moves on by the paused time."""
    check_long(note=note)
    case = Case.objects.select_for_update().select_related("estate").get(pk=case.pk)
    transitions.check("resume", staff, case)
    now = timezone.now()
    Pause.objects.filter(case=case, ended_at__isnull=True).update(ended_at=now, ended_by=staff)
    case.paused_since = None
    case.save(update_fields=["paused_since"])
    CaseEvent.objects.create(case=case, actor=staff, kind=K.RESUMED, text=(note or "").strip())
    deadlines.reschedule_case(case)
    return case


def _report_on_registration(case: Case, at: datetime) -> None:
    """Major complaints go to the office director the same day; important ones to the supervisor."""
    from shouwen.sla.ladder import notify_level

    if case.category != "complaint":
        return
    if case.severity == "major":
        notify_level(
            case,
            "office_director",
            kind="reported",
            urgent=True,
            title=_("重大投诉 %(number)s 呈报") % {"number": case.number},
        )
    elif case.severity == "important":
        notify_level(
            case,
            "supervisor",
            kind="reported",
            urgent=False,
            title=_("重要投诉 %(number)s 转呈主管") % {"number": case.number},
        )


def on_case_event(event: CaseEvent) -> None:
    """Open, meet or stop the case's deadlines according to what just happened."""
    case = event.case
    at = event.at
    kind = event.kind
    handover_id = event.data.get("handover") if isinstance(event.data, dict) else None
    if kind == K.REGISTERED:
        deadlines.open_deadline(case, DeadlineKind.FIRST_ANSWER, at)
        deadlines.open_deadline(case, DeadlineKind.RESOLUTION, at)
        _report_on_registration(case, at)
    elif kind == K.HANDOVER:
        deadlines.open_deadline(case, DeadlineKind.HANDOVER_ACCEPT, at, handover_id=handover_id)
    elif kind in (K.HANDOVER_ACCEPTED, K.HANDOVER_RETURNED):
        deadlines.meet(case, [DeadlineKind.HANDOVER_ACCEPT], at, handover_id=handover_id)
        if kind == K.HANDOVER_ACCEPTED:
            _follow_remit(case, at)
    elif kind == K.HANDOVER_CANCELLED:
        deadlines.cancel(case, [DeadlineKind.HANDOVER_ACCEPT], handover_id=handover_id)
    elif kind == K.REASSIGNED:
        deadlines.cancel(case, [DeadlineKind.HANDOVER_ACCEPT])
        _follow_remit(case, at)
    elif kind == K.MESSAGE:
        deadlines.meet(case, [DeadlineKind.FIRST_ANSWER], at)
    elif kind == K.RESOLVED:
        deadlines.meet(case, [DeadlineKind.FIRST_ANSWER, DeadlineKind.RESOLUTION], at)
        if case.category in RETURN_VISIT_CATEGORIES and case.status in ACTIVE_STATUSES:
            deadlines.open_deadline(case, DeadlineKind.RETURN_VISIT, at)
    elif kind == K.REOPENED:
        if event.data.get("return_visit"):
            # The visit was made (the resident was not satisfied): the visit limit was met.
            deadlines.meet(case, [DeadlineKind.RETURN_VISIT], at)
        deadlines.cancel(case, [DeadlineKind.RETURN_VISIT])
        deadlines.open_deadline(case, DeadlineKind.RESOLUTION, at)
    elif kind == K.CLOSED:
        deadlines.meet(case, [k.value for k in DeadlineKind], at)
    elif kind == K.DECLINED:
        deadlines.meet(case, [DeadlineKind.FIRST_ANSWER, DeadlineKind.RESOLUTION], at)
        deadlines.cancel(case)
    elif kind == K.VOIDED:
        deadlines.cancel(case)


def _follow_remit(case: Case, at: datetime) -> None:
    """When a complaint moves to another department, its resolution limit may change (same day → 3 days)."""
    if case.category != "complaint" or case.severity:
        return
    running = Deadline.objects.filter(
        case=case, kind=DeadlineKind.RESOLUTION, state=DeadlineState.RUNNING
    ).first()
    policy = deadlines.match_policy(case, DeadlineKind.RESOLUTION)
    if running is None or policy is None or running.policy_id == policy.pk:
        return
    running.policy = policy
    deadlines.schedule(running)
    running.level = min(running.level, deadlines.level_at(running, timezone.now()))
    running.next_check_at = deadlines.next_check(running)
    running.save()


def recompute_policy(policy_id: int) -> int:
    """Recompute every open deadline that follows the policy (after an admin changed it)."""
    count = 0
    cases = Case.objects.filter(
        deadlines__policy_id=policy_id, deadlines__state__in=["running", "paused"]
    ).distinct()
    for case in cases.select_related("estate", "department"):
        with transaction.atomic():
            count += deadlines.reschedule_case(case)
    return count


def policy_snapshot(policy: DeadlinePolicy) -> dict[str, object]:
    """Return the policy's fields as plain values, for the change log."""
    fields = [
        "name",
        "kind",
        "category",
        "severity",
        "repair_type",
        "remit",
        "amount",
        "unit",
        "near_ratio",
        "overdue_to",
        "final_to",
        "final_after_ratio",
        "safety",
        "active",
    ]
    return {f: str(getattr(policy, f)) for f in fields}
