"""The roster: the shifts' times (the seeds' as defaults), who is on which shift, and who is on duty now."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.directory.models import Department, Estate, Staff
from shouwen.duty.models import DEFAULT_TIMES, RosterEntry, Shift, ShiftKind


def shifts_of(estate: Estate) -> list[Shift]:
    """Return the estate's shifts in order of start, creating the seeds' defaults for kinds it lacks."""
    have = {s.kind: s for s in Shift.objects.filter(estate=estate)}
    for kind in ShiftKind.values:
        if kind not in have:
            starts, ends, summer_starts, summer_ends = DEFAULT_TIMES[kind]
            have[kind], _created = Shift.objects.get_or_create(
                estate=estate,
                kind=kind,
                defaults={
                    "starts": starts,
                    "ends": ends,
                    "summer_starts": summer_starts,
                    "summer_ends": summer_ends,
                },
            )
    return sorted(have.values(), key=lambda s: (s.starts, s.kind))


def is_summer(shift: Shift, day: date) -> bool:
    """Return whether the shift keeps its summer times on ``day``."""
    lo, hi = shift.summer_from_month, shift.summer_to_month
    return lo <= day.month <= hi if lo <= hi else (day.month >= lo or day.month <= hi)


def window(shift: Shift, day: date) -> tuple[datetime, datetime]:
    """Return when the shift starting on ``day`` starts and ends (an end before the start is the next day)."""
    summer = is_summer(shift, day)
    starts = shift.summer_starts if summer else shift.starts
    ends = shift.summer_ends if summer else shift.ends
    start = timezone.make_aware(datetime.combine(day, starts))
    end_day = day + timedelta(days=1) if ends <= starts else day
    return start, timezone.make_aware(datetime.combine(end_day, ends))


def entry_window(entry: RosterEntry) -> tuple[datetime, datetime]:
    """Return when the roster entry's shift starts and ends."""
    return window(entry.shift, entry.date)


def entries_around(estate: Estate, at: datetime) -> list[RosterEntry]:
    """Return the estate's roster entries of the day before, the day and the day after ``at``."""
    day = timezone.localdate(at)
    return list(
        RosterEntry.objects.filter(
            estate=estate, date__range=(day - timedelta(days=1), day + timedelta(days=1))
        )
        .select_related("shift", "staff__department")
        .order_by("date", "shift__starts", "pk")
    )


def on_duty(
    estate: Estate, at: datetime | None = None, department: Department | None = None
) -> list[RosterEntry]:
    """Return the roster entries on duty at ``at`` (now by default), of one department if named."""
    at = at or timezone.now()
    found = []
    for entry in entries_around(estate, at):
        start, end = entry_window(entry)
        if start <= at < end and (department is None or entry.staff.department_id == department.pk):
            found.append(entry)
    return found


def has_roster(department: Department, around: datetime | None = None) -> bool:
    """Return whether the department's people are rostered in its estate within a week of ``around``."""
    day = timezone.localdate(around or timezone.now())
    return RosterEntry.objects.filter(
        estate_id=department.estate_id,
        staff__department=department,
        date__range=(day - timedelta(days=7), day + timedelta(days=7)),
    ).exists()


def nobody_on_duty(department: Department, at: datetime | None = None) -> bool:
    """Return whether a rostered department has nobody on duty (then the first contact stands in)."""
    at = at or timezone.now()
    return has_roster(department, at) and not on_duty(department.estate, at, department)


def next_entry_of(staff: Staff, estate: Estate, after: datetime) -> RosterEntry | None:
    """Return the staff member's first roster entry in the estate starting at or after ``after``."""
    day = timezone.localdate(after)
    for entry in (
        RosterEntry.objects.filter(
            estate=estate, staff=staff, date__range=(day - timedelta(days=1), day + timedelta(days=14))
        )
        .select_related("shift")
        .order_by("date", "shift__starts")
    ):
        if entry_window(entry)[0] >= after:
            return entry
    return None


def _check_manager(actor: Staff, estate: Estate) -> None:
    from shouwen.access.scope import can_see_estate

    if not can(actor.user, Cap.DUTY_MANAGE) or not can_see_estate(actor.user, estate.pk):
        raise PermissionDenied(_("只有主管可以编排该小区的值班表。"))


@transaction.atomic
def add_roster_entry(actor: Staff, *, estate: Estate, day: date, kind: str, staff: Staff) -> RosterEntry:
    """Put a staff member serving the estate on a shift of a day."""
    from shouwen.cases.lib import _serves

    _check_manager(actor, estate)
    if kind not in ShiftKind.values:
        raise ValidationError({"shift": _("没有这个班次。")})
    if not _serves(staff, estate):
        raise ValidationError({"staff": _("该员工不服务于该小区或已离职。")})
    shift = next(s for s in shifts_of(estate) if s.kind == kind)
    if RosterEntry.objects.filter(shift=shift, date=day, staff=staff).exists():
        raise ValidationError({"staff": _("该员工已排在这个班次。")})
    return RosterEntry.objects.create(estate=estate, date=day, shift=shift, staff=staff, created_by=actor)


@transaction.atomic
def remove_roster_entry(actor: Staff, entry: RosterEntry) -> None:
    """Take a person off a shift, unless a handover sheet was written for it."""
    _check_manager(actor, entry.estate)
    if entry.sheets.exists():
        raise ValidationError(_("该班次已有交接班记录，不能删除。"))
    entry.delete()


@transaction.atomic
def copy_previous_week(actor: Staff, estate: Estate, day: date) -> int:
    """Fill the week of ``day`` with last week's roster (people who still serve the estate); return how many."""
    from shouwen.cases.lib import _serves

    _check_manager(actor, estate)
    days = week_of(day)
    have = set(
        RosterEntry.objects.filter(estate=estate, date__range=(days[0], days[-1])).values_list(
            "shift_id", "date", "staff_id"
        )
    )
    made = 0
    for entry in RosterEntry.objects.filter(
        estate=estate, date__range=(days[0] - timedelta(days=7), days[-1] - timedelta(days=7))
    ).select_related("staff__user"):
        target = entry.date + timedelta(days=7)
        if (entry.shift_id, target, entry.staff_id) in have or not _serves(entry.staff, estate):
            continue
        RosterEntry.objects.create(
            estate=estate, date=target, shift_id=entry.shift_id, staff=entry.staff, created_by=actor
        )
        made += 1
    return made


def week_of(day: date) -> list[date]:
    """Return the seven days (Monday first) of the week of ``day``."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]
