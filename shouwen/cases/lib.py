"""What every case service does the same way: lock the case, save it with a new version, append an event."""

from __future__ import annotations

from shouwen.cases.models import Case, CaseEvent
from shouwen.core.services import save_version
from shouwen.directory.models import Staff


def lock_case(case: Case) -> Case:
    """Return the case re-read under a row lock (PostgreSQL) inside the current transaction."""
    return Case.objects.select_for_update().select_related("estate").get(pk=case.pk)


def record_event(case: Case, actor: Staff | None, kind: str, text: str = "", **data: object) -> CaseEvent:
    """Append to the case's timeline; other apps (deadlines) react to the new event."""
    return CaseEvent.objects.create(case=case, actor=actor, kind=kind, text=text, data=data)


def save_case(case: Case, *fields: str) -> None:
    """Save the named fields, bump the version and the update time."""
    save_version(case, *fields)
