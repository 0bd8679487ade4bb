"""Rostering and writing sheets for the duty tests, through the services."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from shouwen.core.testing import World
from shouwen.directory.models import Staff
from shouwen.duty import services
from shouwen.duty.models import RosterEntry, Shift


def roster(world: World, who: Staff, kind: str, day: object = None) -> RosterEntry:
    """Put ``who`` on the shift of ``day`` (today by default) as the supervisor does."""
    return services.add_roster_entry(
        world.supervisor, estate=world.estate, day=day or timezone.localdate(), kind=kind, staff=who
    )


def shift_ending(
    world: World, kind: str, ends_at: datetime, *, hours: int = 8, accept_within: int = 15
) -> Shift:
    """Set the estate's shift of ``kind`` to end at ``ends_at`` (local time, also in summer)."""
    services.shifts_of(world.estate)
    local_end = timezone.localtime(ends_at)
    start = (local_end - timedelta(hours=hours)).time()
    end = local_end.time().replace(microsecond=0)
    shift = Shift.objects.get(estate=world.estate, kind=kind)
    shift.starts = shift.summer_starts = start
    shift.ends = shift.summer_ends = end
    shift.accept_within_minutes = accept_within
    shift.save()
    return shift


def day_of(ends_at: datetime, hours: int = 8) -> object:
    """Return the day on which a shift of ``hours`` ending at ``ends_at`` started."""
    return timezone.localtime(ends_at - timedelta(hours=hours)).date()


__all__ = ["day_of", "roster", "shift_ending", "time"]
