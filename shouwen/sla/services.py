"""Service functions of deadlines: reacting to what happens to a case, escalations, policies.

The cases app appends a CaseEvent for every change; :func:`on_case_event` turns those into
deadline changes in the same transaction, so the cases app needs to know nothing about deadlines.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import can_see_estate
from shouwen.cases.models import ACTIVE_STATUSES, Case, CaseEvent, Urgency
from shouwen.core.i18n import stored
from shouwen.core.services import for_update
from shouwen.core.textlimits import check_long
from shouwen.directory.models import Department, Staff
from shouwen.sla import deadlines
from shouwen.sla.models import Deadline, DeadlineKind, DeadlinePolicy, DeadlineState, Escalation, Pause

K = CaseEvent.Kind
RETURN_VISIT_CATEGORIES = {"household_repair", "public_repair", "complaint"}


class EscalationConflict(Exception):
    """The escalation was handled already (by someone else, or in another tab): answer 409."""


ESCALATION_SCOPES = ("mine", "estate")
ESCALATION_STATES = ("open", "handled")


def escalation_list(
    qs: QuerySet[Escalation], staff: Staff | None, *, scope: str = "mine", state: str = ""
) -> QuerySet[Escalation]:
    """Narrow estate-scoped escalations for the page and the API, newest first.

    ``scope`` "mine": those addressed to ``staff``; "estate": all of them, for supervisors only (others
    still get their own). ``state`` "open" or "handled"; empty for both.
    """
    if scope != "estate" or staff is None or not can(staff.user, Cap.CASE_SUPERVISE):
        qs = qs.filter(target=staff) if staff is not None else qs.none()
    if state:
        qs = qs.filter(handled_at__isnull=state == "open")
    return qs.select_related("case", "deadline", "target", "handled_by").order_by("-at", "-pk")


def _lock_escalation(staff: Staff, escalation: Escalation) -> Escalation:
    """Re-read the escalation under a lock; only its target, or a supervisor of its estate, may act on it."""
    locked = for_update(Escalation).select_related("case__estate").get(pk=escalation.pk)
    user = staff.user
    if not staff.is_active or not can_see_estate(user, locked.case.estate_id):
        raise PermissionDenied(_("您不负责该事项所在的小区。"))
    if locked.target_id != staff.pk and not can(user, Cap.CASE_SUPERVISE):
        raise PermissionDenied(_("这条督办不是发给您的，只有督办对象或主管可以处理。"))
    return locked


@transaction.atomic
def acknowledge_escalation(staff: Staff, escalation: Escalation) -> Escalation:
    """Record that the escalation was read (the first reading counts; a handled one stays as it is)."""
    locked = _lock_escalation(staff, escalation)
    if locked.acknowledged_at is None:
        locked.acknowledged_at = timezone.now()
        locked.save(update_fields=["acknowledged_at"])
    return locked


@transaction.atomic
def handle_escalation(staff: Staff, escalation: Escalation, note: str) -> Escalation:
    """Record what was done about the escalation, by whom and when; the case leaves the 督办给我 queue."""
    note = (note or "").strip()
    check_long(note=note)
    if not note:
        raise ValidationError({"note": _("请说明督办的处理情况。")})
    locked = _lock_escalation(staff, escalation)
    if locked.handled_at is not None:
        raise EscalationConflict(_("这条督办已由他人处理，请刷新页面。"))
    now = timezone.now()
    locked.acknowledged_at = locked.acknowledged_at or now
    locked.handled_at = now
    locked.handled_by = staff
    locked.handling = note
    locked.save(update_fields=["acknowledged_at", "handled_at", "handled_by", "handling"])
    return locked


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
            title=stored(gettext_noop("重大投诉 %(number)s 呈报"), number=case.number),
        )
    elif case.severity == "important":
        notify_level(
            case,
            "supervisor",
            kind="reported",
            urgent=False,
            title=stored(gettext_noop("重要投诉 %(number)s 转呈主管"), number=case.number),
        )


def _registered(event: CaseEvent) -> None:
    # The seeds' limits run from reception (接待): a letter or a night-log entry registered the next
    # morning has been waiting since it was received, not since it was typed in.
    received = event.case.origin.received_at
    deadlines.open_deadline(event.case, DeadlineKind.FIRST_ANSWER, received)
    deadlines.open_deadline(event.case, DeadlineKind.ON_SITE, received)
    deadlines.open_deadline(event.case, DeadlineKind.RESOLUTION, received)
    _report_on_registration(event.case, event.at)
    if event.case.urgency == Urgency.EMERGENCY:
        alert_emergency(event.case)


def emergency_responders(case: Case) -> list[Staff]:
    """Return who must hear of an emergency repair at once: the estate's engineering technicians on
    duty (every active technician of its engineering department: there is no duty roster), that
    department's head and the estate's customer-service supervisors."""
    from shouwen.sla.ladder import _with_role

    engineering = Department.objects.filter(estate=case.estate, kind="engineering").first()
    people: list[Staff] = []
    if engineering is not None:
        people += (
            Staff.objects.filter(department=engineering, is_active=True, roles__role="technician")
            .order_by("staff_no")
            .distinct()
        )
        if engineering.head is not None and engineering.head.is_active:
            people.append(engineering.head)
    people += _with_role(case, "cs_supervisor")
    return list(dict.fromkeys(people))


def alert_emergency(case: Case) -> list[Staff]:
    """Tell the responders of an emergency repair now, by e-mail and SMS too, quiet hours or not."""
    from shouwen.notifications.services import notify

    people = emergency_responders(case)
    place = case.unit.label if case.unit is not None else (case.public_area.name if case.public_area else "")
    title = stored(
        gettext_noop("紧急维修 %(number)s：%(place)s %(summary)s"),
        number=case.number,
        place=place,
        summary=case.summary,
    )
    url = reverse("cases:detail", args=[case.number])
    for person in people:
        notify(
            person, title=title, body=case.summary, case=case, kind="reported", url=url, urgent=True, sms=True
        )
    CaseEvent.objects.create(
        case=case,
        kind=K.REPORTED,
        text=stored(
            gettext_noop("紧急维修已立即通知：%(names)s"), names="、".join(p.name for p in people) or "—"
        ),
        data={"emergency": True, "to": [p.pk for p in people]},
    )
    return people


def _handover_of(event: CaseEvent) -> int | None:
    return event.data.get("handover") if isinstance(event.data, dict) else None


def _handed_over(event: CaseEvent) -> None:
    deadlines.open_deadline(
        event.case, DeadlineKind.HANDOVER_ACCEPT, event.at, handover_id=_handover_of(event)
    )


def _handover_answered(event: CaseEvent) -> None:
    deadlines.meet(event.case, [DeadlineKind.HANDOVER_ACCEPT], event.at, handover_id=_handover_of(event))
    if event.kind == K.HANDOVER_ACCEPTED:
        _follow_remit(event.case, event.at)


def _handover_cancelled(event: CaseEvent) -> None:
    deadlines.cancel(event.case, [DeadlineKind.HANDOVER_ACCEPT], handover_id=_handover_of(event))


def _reassigned(event: CaseEvent) -> None:
    deadlines.cancel(event.case, [DeadlineKind.HANDOVER_ACCEPT])
    _follow_remit(event.case, event.at)


def _answered(event: CaseEvent) -> None:
    deadlines.meet(event.case, [DeadlineKind.FIRST_ANSWER], event.at)


def _work_order(event: CaseEvent) -> None:
    # The technician's arrival (维修工作单 "到场") meets the repair's on-site limit.
    if isinstance(event.data, dict) and event.data.get("step") == "arrive":
        deadlines.meet(event.case, [DeadlineKind.ON_SITE], event.at)


def _resolved(event: CaseEvent) -> None:
    case = event.case
    deadlines.meet(case, [DeadlineKind.FIRST_ANSWER, DeadlineKind.ON_SITE, DeadlineKind.RESOLUTION], event.at)
    if case.category in RETURN_VISIT_CATEGORIES and case.status in ACTIVE_STATUSES:
        deadlines.open_deadline(case, DeadlineKind.RETURN_VISIT, event.at)


def _reopened(event: CaseEvent) -> None:
    if isinstance(event.data, dict) and event.data.get("return_visit"):
        # The visit was made (the resident was not satisfied): the visit limit was met.
        deadlines.meet(event.case, [DeadlineKind.RETURN_VISIT], event.at)
    deadlines.cancel(event.case, [DeadlineKind.RETURN_VISIT])
    deadlines.open_deadline(event.case, DeadlineKind.RESOLUTION, event.at)


CORRECTABLE_KINDS = (DeadlineKind.FIRST_ANSWER, DeadlineKind.ON_SITE, DeadlineKind.RESOLUTION)


def _follow_correction(case: Case, kind: str) -> None:
    """Put the case's deadline of this kind under the policy its corrected registration now matches."""
    running = Deadline.objects.filter(
        case=case, kind=kind, state__in=[DeadlineState.RUNNING, DeadlineState.PAUSED]
    ).first()
    policy = deadlines.match_policy(case, kind)
    if running is None:
        # A limit that newly applies (e.g. a grade now given) runs from reception, unless one was met already.
        if policy is not None and not Deadline.objects.filter(case=case, kind=kind).exists():
            deadlines.open_deadline(case, kind, case.origin.received_at)
        return
    if policy is None:
        deadlines.cancel(case, [kind])
        return
    running.policy = policy
    running.case = case
    deadlines.schedule(running)
    running.level = min(running.level, deadlines.level_at(running, timezone.now()))
    running.next_check_at = deadlines.next_check(running) if running.state == DeadlineState.RUNNING else None
    running.save()


def _corrected(event: CaseEvent) -> None:
    case = event.case
    for kind in CORRECTABLE_KINDS:
        _follow_correction(case, kind)
    changes = event.data.get("changes", {}) if isinstance(event.data, dict) else {}
    if "severity" in changes or "category" in changes:
        _report_on_registration(case, event.at)
    if "urgency" in changes and case.urgency == Urgency.EMERGENCY:
        alert_emergency(case)


def _closed(event: CaseEvent) -> None:
    deadlines.meet(event.case, [k.value for k in DeadlineKind], event.at)


def _declined(event: CaseEvent) -> None:
    deadlines.meet(
        event.case, [DeadlineKind.FIRST_ANSWER, DeadlineKind.ON_SITE, DeadlineKind.RESOLUTION], event.at
    )
    deadlines.cancel(event.case)


def _voided(event: CaseEvent) -> None:
    deadlines.cancel(event.case)


def _paused(event: CaseEvent) -> None:
    _start_pause(event)
    deadlines.reschedule_case(event.case)


def _resumed(event: CaseEvent) -> None:
    Pause.objects.filter(case=event.case, ended_at__isnull=True).update(
        ended_at=event.at, ended_by=event.actor
    )
    deadlines.reschedule_case(event.case)


# What each kind of case event does to the deadlines; other kinds leave them alone.
HANDLERS: dict[str, Callable[[CaseEvent], None]] = {
    K.REGISTERED: _registered,
    K.HANDOVER: _handed_over,
    K.HANDOVER_ACCEPTED: _handover_answered,
    K.HANDOVER_RETURNED: _handover_answered,
    K.HANDOVER_CANCELLED: _handover_cancelled,
    K.REASSIGNED: _reassigned,
    K.MESSAGE: _answered,
    K.WORK_ORDER: _work_order,
    K.RESOLVED: _resolved,
    K.REOPENED: _reopened,
    K.CORRECTED: _corrected,
    K.CLOSED: _closed,
    K.DECLINED: _declined,
    K.VOIDED: _voided,
    K.PAUSED: _paused,
    K.RESUMED: _resumed,
}


def on_case_event(event: CaseEvent) -> None:
    """Open, meet or stop the case's deadlines according to what just happened."""
    handler = HANDLERS.get(event.kind)
    if handler is not None:
        handler(event)


def _start_pause(event: CaseEvent) -> None:
    """Keep the pause the case announced (its reason and note) as the interval the deadlines skip."""
    data = event.data if isinstance(event.data, dict) else {}
    assert event.actor is not None  # pause_case always names who paused
    Pause.objects.create(
        case=event.case,
        reason=data.get("reason", ""),
        note=data.get("note", ""),
        started_at=event.case.paused_since or event.at,
        started_by=event.actor,
    )


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
        "urgency",
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
