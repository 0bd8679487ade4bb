"""The deadline sweep: run every minute by the worker; its cost grows with what is due, not with history."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from shouwen.core.i18n import stored
from shouwen.core.retry import retry_on_lock
from shouwen.sla import deadlines
from shouwen.sla.ladder import notify_level
from shouwen.sla.models import Deadline, DeadlineKind, DeadlineState, Escalation

BATCH = 200


def _escalate(deadline: Deadline, level: int) -> None:
    """Take one step of the ladder for a deadline."""
    case = deadline.case
    policy = deadline.policy
    what = DeadlineKind(deadline.kind).label
    urgent = bool(policy and policy.safety) or case.severity == "major"
    due = timezone.localtime(deadline.due_at).strftime("%m-%d %H:%M") if deadline.due_at else ""
    if level == 1:
        notify_level(
            case,
            "accountable",
            kind="near_due",
            urgent=False,
            title=stored(
                gettext_noop("%(number)s %(what)s时限将到（%(due)s）"), number=case.number, what=what, due=due
            ),
        )
        return
    target_level = (policy.overdue_to if level == 2 else policy.final_to) if policy else "supervisor"
    title = stored(
        gettext_noop("%(number)s %(what)s已超时（时限 %(due)s），请督办")
        if level == 2
        else gettext_noop("%(number)s %(what)s严重超时（时限 %(due)s），升级督办"),
        number=case.number,
        what=what,
        due=due,
    )
    if level == 2 and target_level != "accountable":
        notify_level(
            case,
            "accountable",
            kind="overdue",
            record=False,  # the holder hears of it too; the timeline records the escalation once
            urgent=urgent,
            title=stored(gettext_noop("%(number)s %(what)s已超时"), number=case.number, what=what),
        )
    people = notify_level(
        case, target_level, kind="escalated" if level == 3 else "overdue", title=title, urgent=urgent
    )
    for person in people:
        Escalation.objects.get_or_create(
            deadline=deadline, level=level, target=person, defaults={"case": case}
        )


def _process(deadline: Deadline, now: datetime) -> bool:
    """Raise one deadline to the level it has reached; return whether this worker did it."""
    target = deadlines.level_at(deadline, now)
    if target <= deadline.level:
        Deadline.objects.filter(pk=deadline.pk, version=deadline.version).update(
            next_check_at=deadlines.next_check(deadline), version=F("version") + 1
        )
        return False
    start = deadline.level
    deadline.level = target
    with transaction.atomic():
        # Claim the step: only one worker moves a deadline from this level and version.
        claimed = Deadline.objects.filter(
            pk=deadline.pk, level=start, version=deadline.version, state=DeadlineState.RUNNING
        ).update(level=target, next_check_at=deadlines.next_check(deadline), version=F("version") + 1)
        if not claimed:
            return False
        for level in range(start + 1, target + 1):
            if level == 1 and target > 1:
                continue  # already overdue: the overdue notice replaces the reminder
            _escalate(deadline, level)
    return True


def _process_retrying(deadline: Deadline, now: datetime) -> bool:
    """Process one deadline, again from the same start when the database was locked by another writer."""
    level = deadline.level

    def attempt() -> bool:
        deadline.level = level  # _process moves it on before its transaction, which may not have run
        return _process(deadline, now)

    return retry_on_lock(attempt, what="deadline sweep")


def sweep_deadlines(now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Escalate every running deadline whose next check has come (an index range scan)."""
    now = now or timezone.now()
    seen = escalated = 0
    after: tuple[datetime, int] | None = None
    while True:
        qs = Deadline.objects.filter(state=DeadlineState.RUNNING, next_check_at__lte=now)
        if after is not None:  # keyset paging along the partial index on next_check_at
            qs = qs.filter(Q(next_check_at__gt=after[0]) | Q(next_check_at=after[0], pk__gt=after[1]))
        due = list(
            qs.select_related(
                "case__estate__company", "case__accountable__department__head", "policy"
            ).order_by("next_check_at", "pk")[:batch]
        )
        if not due:
            break
        after = (due[-1].next_check_at, due[-1].pk)  # type: ignore[assignment]
        for d in due:
            seen += 1
            escalated += _process_retrying(d, now)
    return {"checked": seen, "escalated": escalated}


SWEEP_LEASE = "deadline-sweep"


def sweep_deadlines_once(now: datetime | None = None, holder: str | None = None) -> dict[str, int]:
    """Run the sweep if this worker wins the current period's lease; {"ran": 0} when another did.

    Every worker's scheduler asks every few seconds; the lease row lets exactly one of them sweep
    per ``SHOUWEN_SWEEP_SECONDS`` period, and a dead holder is replaced in the next period.
    """
    from django.conf import settings

    from shouwen.core.leases import claim_period, record_finish, worker_id

    now = now or timezone.now()
    holder = holder or worker_id()
    if not claim_period(SWEEP_LEASE, holder, now, period=timedelta(seconds=settings.SHOUWEN_SWEEP_SECONDS)):
        return {"ran": 0}
    started = time.monotonic()
    try:
        result = sweep_deadlines(now)
    finally:
        record_finish(SWEEP_LEASE, holder, started)
    return {"ran": 1, **result}
