"""What every case service does the same way: lock the case, save it with a new version, append an event,
hand the case to its next holder, cut its words for search."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from shouwen.cases.models import (
    Case,
    CaseEvent,
    Handover,
    Responsibility,
)
from shouwen.cases.search import segment_for_index
from shouwen.core.actions import Conflict
from shouwen.core.services import for_update, required_text, save_version
from shouwen.directory.models import Department, Estate, Staff


def lock_case(case: Case) -> Case:
    """Return the case re-read under a row lock (PostgreSQL) inside the current transaction."""
    return for_update(Case).select_related("estate").get(pk=case.pk)


def record_event(case: Case, actor: Staff | None, kind: str, text: str = "", **data: object) -> CaseEvent:
    """Append to the case's timeline; other apps (deadlines) react to the new event."""
    return CaseEvent.objects.create(case=case, actor=actor, kind=kind, text=text, data=data)


def save_case(case: Case, *fields: str) -> None:
    """Save the named fields, bump the version and the update time."""
    save_version(case, *fields)


Kind = CaseEvent.Kind


class CaseConflict(Conflict):
    """The case changed under the request (e.g. the handover was already accepted): answer 409."""


_required = required_text


def _current(case: Case) -> Responsibility | None:
    return case.responsibilities.filter(ended_at__isnull=True).first()


def _give_to(case: Case, holder: Staff, via: str, note: str = "", handover: Handover | None = None) -> None:
    """Make ``holder`` the one accountable person: end the current link and start a new one."""
    now = timezone.now()
    case.responsibilities.filter(ended_at__isnull=True).update(ended_at=now)
    Responsibility.objects.create(
        case=case, holder=holder, started_at=now, via=via, handover=handover, note=note
    )
    case.accountable = holder
    case.department = holder.department
    case.assignment_requested = False


def _end_responsibility(case: Case) -> None:
    case.responsibilities.filter(ended_at__isnull=True).update(ended_at=timezone.now())
    case.accountable = None


def _serves(staff: Staff, estate: Estate) -> bool:
    from shouwen.access.scope import can_see_estate

    return staff.is_active and can_see_estate(staff.user, estate.pk)


def _join_words(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _search_words(
    *,
    summary: str,
    content: str,
    caller_name: str,
    unit: str,
    area: str,
    location: str,
    incident: str,
    demand: str,
    category: str,
    resolution: str,
) -> str:
    """Return the search words of a case's texts other than its number, the resolution last.

    The resolution comes last so that resolving again only re-cuts the resolution
    (:func:`search_text_with_resolution`), never the letter the case started with.
    """
    return segment_for_index(
        summary, content, caller_name, unit, area, location, incident, demand, category, resolution
    )


def refresh_search_text(case: Case) -> None:
    """Recompute the words the case can be found by."""
    origin = case.origin
    case.search_text = _join_words(
        segment_for_index(case.number),
        _search_words(
            summary=case.summary,
            content=origin.content,
            caller_name=origin.caller_name,
            unit=case.unit.label if case.unit is not None else "",
            area=case.public_area.name if case.public_area is not None else "",
            location=origin.location,
            incident=origin.incident,
            demand=origin.demand,
            category=case.get_category_display(),
            resolution=case.resolution,
        ),
    )


def search_text_with_resolution(case: Case, resolution: str) -> str:
    """Return the case's search words with ``resolution`` in place of its current one.

    Only the old and the new resolution are segmented; a case whose words were stored in another
    order (before the resolution came last) is recomputed in full.
    """
    old = segment_for_index(case.resolution)
    stored = case.search_text
    if not old or stored == old or stored.endswith(" " + old):
        base = stored[: len(stored) - len(old)].rstrip() if old else stored
        return _join_words(base, segment_for_index(resolution))
    fresh = Case.objects.select_related("origin", "unit__building", "public_area").get(pk=case.pk)
    fresh.resolution = resolution
    refresh_search_text(fresh)
    return fresh.search_text


def tell(people: Iterable[Staff | None], actor: Staff | None, case: Case, title: str, body: str = "") -> None:
    """Ring the bell of each person when accountability for the case moves (not the one who moved it).

    Each person once; the notification links to the case page. The text is the actor's language.
    """
    from django.urls import reverse

    from shouwen.notifications.models import Kind as NotificationKind
    from shouwen.notifications.services import notify

    seen: set[int] = set()
    for person in people:
        if person is None or person.pk in seen or (actor is not None and person.pk == actor.pk):
            continue
        seen.add(person.pk)
        notify(
            person,
            title=title,
            body=body,
            case=case,
            kind=NotificationKind.HANDOVER,
            url=reverse("cases:detail", args=[case.number]),
        )


def department_people(department: Department, estate_id: int) -> list[Staff]:
    """The head and the active members of a department who serve the estate (those a handover reaches).

    A department that keeps a duty roster is reached through those on duty now and its head: the
    night's technician hears of a handover, the day staff asleep at home do not.
    """
    from shouwen.duty.roster import has_roster, on_duty

    members = list(
        Staff.objects.filter(department=department, is_active=True, estates=estate_id).order_by("pk")
    )
    if department.estate_id == estate_id and has_roster(department):
        rostered = {entry.staff_id for entry in on_duty(department.estate, department=department)}
        members = [m for m in members if m.pk in rostered]
    head = department.head if department.head_id and department.head not in members else None
    return ([head] if head is not None and head.is_active else []) + members
