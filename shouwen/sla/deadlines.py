"""Computing a case's deadlines from the policies and the calendar, and keeping them in step.

A deadline is computed once and stored (``due_at``, ``near_at``, ``final_at`` and the next moment
the sweep must look at it, ``next_check_at``); it is recomputed only when its clock changes: a
pause, a resume, a changed policy.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from shouwen.cases.models import Case
from shouwen.sla.calendar import BusinessCalendar, Interval
from shouwen.sla.models import Deadline, DeadlinePolicy, DeadlineState, Pause, Remit, Unit

WORKING_UNITS: dict[str, int] = {Unit.WORKING_MINUTES.value: 1, Unit.WORKING_HOURS.value: 60}
# Limits that run day and night (an emergency repair: on site within 30 minutes at 22:30 too).
CLOCK_UNITS: dict[str, int] = {Unit.MINUTES.value: 1, Unit.HOURS.value: 60}


def add_clock_time(start: datetime, budget: timedelta, pauses: list[Interval]) -> datetime:
    """Return ``start`` plus ``budget`` of elapsed time, not counting the paused intervals."""
    due, remaining = start, budget
    for begin, end in sorted(p for p in pauses if p[1] > start):
        gap = max(begin - due, timedelta(0))
        if gap >= remaining:
            break
        remaining -= gap
        due = max(due, end)
    return due + remaining


def remit_of(case: Case) -> str:
    """Return whether the case is in the service centre's own remit or with another department."""
    if case.department is None or case.department.kind == "service":
        return Remit.OWN
    return Remit.OTHER


def match_policy(case: Case, kind: str) -> DeadlinePolicy | None:
    """Return the most specific active policy of this kind that fits the case."""
    candidates = DeadlinePolicy.objects.filter(active=True, kind=kind).filter(
        Q(category="") | Q(category=case.category),
        Q(severity="") | Q(severity=case.severity),
        Q(repair_type="") | Q(repair_type=case.repair_type),
        Q(remit="") | Q(remit=remit_of(case)),
        Q(urgency="") | Q(urgency=case.urgency),
    )
    best = sorted(candidates, key=lambda p: (-p.specificity(), p.pk))
    return best[0] if best else None


def pauses_of(case: Case) -> list[Interval]:
    """Return the case's finished pauses as intervals (an open pause stops the clock altogether)."""
    return [
        (p.started_at, p.ended_at)
        for p in Pause.objects.filter(case=case, ended_at__isnull=False)
        if p.ended_at is not None
    ]


def compute(
    policy: DeadlinePolicy, calendar: BusinessCalendar, start: datetime, pauses: list[Interval]
) -> tuple[datetime, datetime, datetime]:
    """Return (due, near, final) for a policy started at ``start``."""
    near_ratio = float(policy.near_ratio)
    final_ratio = float(policy.final_after_ratio)
    if policy.unit in WORKING_UNITS:
        budget = timedelta(minutes=policy.amount * WORKING_UNITS[policy.unit])
        due = calendar.add_working_time(start, budget, pauses)
        near = calendar.add_working_time(start, budget * near_ratio, pauses)
        final = calendar.add_working_time(start, budget * final_ratio, pauses)
        return due, near, final
    if policy.unit in CLOCK_UNITS:
        budget = timedelta(minutes=policy.amount * CLOCK_UNITS[policy.unit])
        return (
            add_clock_time(start, budget, pauses),
            add_clock_time(start, budget * near_ratio, pauses),
            add_clock_time(start, budget * final_ratio, pauses),
        )
    if policy.unit == Unit.WORKING_DAYS:
        due = calendar.end_of_working_day(start, policy.amount, pauses)
    else:
        due = calendar.end_of_day(start, policy.amount, pauses)
    span = due - start
    return due, start + span * near_ratio, start + span * final_ratio


def next_check(deadline: Deadline) -> datetime | None:
    """Return the next threshold the deadline has not reached yet (near, due, final)."""
    thresholds = [deadline.near_at, deadline.due_at, deadline.final_at]
    upcoming = [t for i, t in enumerate(thresholds, 1) if t is not None and deadline.level < i]
    return min(upcoming) if upcoming else None


def level_at(deadline: Deadline, now: datetime) -> int:
    """Return the escalation level the deadline has reached at ``now``."""
    level = 0
    for i, t in enumerate((deadline.near_at, deadline.due_at, deadline.final_at), 1):
        if t is not None and t <= now:
            level = i
    return level


def schedule(deadline: Deadline, calendar: BusinessCalendar | None = None) -> Deadline:
    """Fill in due, near and final times and the next check from the policy (or the resident's date)."""
    case = deadline.case
    if case.paused_since is not None:
        deadline.state = DeadlineState.PAUSED
        deadline.due_at = deadline.near_at = deadline.final_at = deadline.next_check_at = None
        return deadline
    calendar = calendar or BusinessCalendar.for_estate(case.estate)
    pauses = pauses_of(case)
    policy = deadline.policy
    if policy is None:
        return deadline
    due, near, final = compute(policy, calendar, deadline.started_at, pauses)
    if deadline.kind == "resolution" and case.requested_due is not None and case.category == "complaint":
        # A minor complaint is solved "within 2 days, or by the deadline the resident asked for".
        requested = calendar.end_of_day(
            deadline.started_at, (case.requested_due - timezone.localdate(deadline.started_at)).days, pauses
        )
        if case.severity in ("", "minor") and requested > deadline.started_at:
            span = requested - deadline.started_at
            due, near, final = (
                requested,
                deadline.started_at + span * float(policy.near_ratio),
                (deadline.started_at + span * float(policy.final_after_ratio)),
            )
    deadline.due_at, deadline.near_at, deadline.final_at = due, near, final
    deadline.state = DeadlineState.RUNNING
    deadline.next_check_at = next_check(deadline)
    return deadline


def open_deadline(case: Case, kind: str, start: datetime, handover_id: int | None = None) -> Deadline | None:
    """Start the deadline of this kind for the case if a policy applies (one running per kind)."""
    policy = match_policy(case, kind)
    if policy is None:
        return None
    existing = Deadline.objects.filter(
        case=case, kind=kind, state__in=[DeadlineState.RUNNING, DeadlineState.PAUSED]
    )
    if handover_id is None and existing.exists():
        return existing.first()
    deadline = Deadline(case=case, kind=kind, policy=policy, started_at=start, handover_id=handover_id)
    schedule(deadline)
    deadline.save()
    return deadline


def meet(case: Case, kinds: list[str], at: datetime, handover_id: int | None = None) -> int:
    """Record that the case's running deadlines of these kinds were met at ``at`` (and by how much)."""
    done = 0
    qs = Deadline.objects.filter(
        case=case, kind__in=kinds, state__in=[DeadlineState.RUNNING, DeadlineState.PAUSED]
    )
    if handover_id is not None:
        qs = qs.filter(handover_id=handover_id)
    for d in qs:
        d.state = DeadlineState.MET
        d.met_at = at
        if d.due_at is not None:
            d.margin_seconds = int((d.due_at - at).total_seconds())
        d.next_check_at = None
        d.save(update_fields=["state", "met_at", "margin_seconds", "next_check_at"])
        done += 1
    return done


def cancel(case: Case, kinds: list[str] | None = None, handover_id: int | None = None) -> int:
    """Stop deadlines that no longer apply (voided case, withdrawn handover)."""
    qs = Deadline.objects.filter(case=case, state__in=[DeadlineState.RUNNING, DeadlineState.PAUSED])
    if kinds is not None:
        qs = qs.filter(kind__in=kinds)
    if handover_id is not None:
        qs = qs.filter(handover_id=handover_id)
    return qs.update(state=DeadlineState.CANCELLED, next_check_at=None)


def reschedule_case(case: Case) -> int:
    """Recompute every running or paused deadline of the case (after a pause or resume)."""
    calendar = BusinessCalendar.for_estate(case.estate)
    count = 0
    for d in Deadline.objects.filter(
        case=case, state__in=[DeadlineState.RUNNING, DeadlineState.PAUSED]
    ).select_related("policy", "case__estate"):
        d.case = case
        schedule(d, calendar)
        d.level = min(d.level, level_at(d, timezone.now())) if d.due_at else d.level
        d.next_check_at = next_check(d) if d.state == DeadlineState.RUNNING else None
        d.save(update_fields=["state", "due_at", "near_at", "final_at", "next_check_at", "level"])
        count += 1
    return count
