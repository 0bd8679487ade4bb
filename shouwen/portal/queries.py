"""What a resident may see: their current units, their own matters, and each matter as they see it.

A resident's matters are the cases whose resident is them (a case registered for their household
by the desk, or reported by them here). Another person of the same unit has their own matters: a
case is never shown to anyone but its resident. Of a case's timeline the resident sees what
happened in words meant for them (registered, handed to a department, resolved, closed, the
one-time notice, the messages given to them, their own additions and answers); internal notes,
chasing, escalations and staff names are never shown, only the accountable person's surname and
staff number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwen.cases.models import Case, CaseEvent, CaseStatus
from shouwen.directory.models import Occupancy, Resident

Kind = CaseEvent.Kind


def current_occupancies(resident: Resident) -> QuerySet[Occupancy]:
    """Return the resident's occupancies that have not ended, with their units."""
    today = timezone.localdate()
    return (
        Occupancy.objects.filter(resident=resident)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("unit__building__estate")
        .order_by("unit__building__code", "unit__entrance", "unit__number")
    )


def cases_of(resident: Resident) -> QuerySet[Case]:
    """Return the resident's own matters, newest first."""
    return Case.objects.filter(resident=resident).select_related("estate", "unit__building", "accountable")


def accountable_label(case: Case) -> str:
    """Return who answers for the case as the resident may see it: surname and staff number only."""
    holder = case.accountable or case.first_contact
    return _("%(surname)s（工号 %(staff_no)s）") % {"surname": holder.surname, "staff_no": holder.staff_no}


@dataclass(frozen=True)
class Line:
    """One entry of a case's history as its resident sees it."""

    at: datetime
    title: str
    text: str = ""
    mine: bool = False  # written by the resident


def _department(event: CaseEvent) -> str:
    actor = event.actor
    return actor.department.name if actor is not None and actor.department_id else ""  # type: ignore[union-attr]


# What the resident reads for each kind of timeline entry: (title, whether the entry's text is shown).
# Kinds not listed (internal notes, chasing, escalations, handovers waiting, corrections…) are not shown.
_SHOWN: dict[str, tuple[str, bool]] = {
    Kind.NOTICE: (gettext_noop("一次性告知"), True),
    Kind.MESSAGE: (gettext_noop("客服答复"), True),
    Kind.ACCEPTED_FOR_PROCESSING: (gettext_noop("资料齐全，已受理办理"), False),
    Kind.WORK_ORDER: (gettext_noop("已安排维修"), False),
    Kind.PAUSED: (gettext_noop("暂停计时"), False),
    Kind.RESUMED: (gettext_noop("恢复办理"), False),
    Kind.RESOLVED: (gettext_noop("已处理完成，待回访"), True),
    Kind.REOPENED: (gettext_noop("重新处理"), False),
    Kind.CLOSED: (gettext_noop("已办结"), False),
    Kind.DECLINED: (gettext_noop("已婉拒"), True),
    Kind.VOIDED: (gettext_noop("已撤销"), False),
}


def _line(case: Case, event: CaseEvent) -> Line | None:
    kind, data = event.kind, event.data or {}
    if data.get("by_resident") and kind in (Kind.CONTACT, Kind.ATTACHMENT):
        title = _("我申请撤销") if data.get("cancel_request") else _("我补充的信息")
        if kind == Kind.ATTACHMENT:
            title = _("我上传的照片")
        return Line(event.at, title, str(data.get("words", "")), mine=True)
    if data.get("by_resident") and kind == Kind.RETURN_VISIT:
        return Line(event.at, _("我的评价"), event.shown_text, mine=True)
    if kind == Kind.REGISTERED:
        return Line(event.at, _("已受理，编号 %(number)s") % {"number": case.number})
    if kind in (Kind.HANDOVER_ACCEPTED, Kind.REASSIGNED):
        dept = _department(event)
        return Line(
            event.at, _("已转交%(department)s处理") % {"department": dept} if dept else _("已转交处理")
        )
    if kind == Kind.RECEIPT_SENT:
        return None if data.get("status") == "failed" else Line(event.at, _("已发送回执短信"))
    if kind == Kind.RETURN_VISIT:
        return Line(event.at, _("回访"), event.shown_text)
    if kind == Kind.CONTACT:
        return Line(event.at, _("再次来电来访"))
    if kind in _SHOWN:
        title, with_text = _SHOWN[kind]
        return Line(event.at, _(title), event.shown_text if with_text else "")
    return None


def resident_timeline(case: Case) -> list[Line]:
    """Return the case's history in the words the resident should see, oldest first."""
    events = case.events.select_related("actor__department").order_by("at", "pk")
    return [line for line in (_line(case, event) for event in events) if line is not None]


def status_label(case: Case) -> str:
    """Return the case's status as the resident reads it."""
    return str(CaseStatus(case.status).label)
