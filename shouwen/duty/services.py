"""Every rule of duty, shifts and handover (re-exported from the modules that hold them)."""

from shouwen.duty.nightlog import (
    night_entry_handled,
    night_entry_to_case,
    note_night_call,
    record_night_entry,
)
from shouwen.duty.roster import (
    add_roster_entry,
    copy_previous_week,
    entry_window,
    has_roster,
    nobody_on_duty,
    on_duty,
    remove_roster_entry,
    shifts_of,
    week_of,
    window,
)
from shouwen.duty.sheets import (
    accept_sheet,
    create_sheet,
    current_entry,
    left_over_count,
    mark_sheet,
    sheets_for,
    supervisors_of,
    sweep_unaccepted_sheets,
    unresolved_night_entries,
)

__all__ = [
    "accept_sheet",
    "add_roster_entry",
    "copy_previous_week",
    "create_sheet",
    "current_entry",
    "entry_window",
    "has_roster",
    "left_over_count",
    "mark_sheet",
    "night_entry_handled",
    "night_entry_to_case",
    "nobody_on_duty",
    "note_night_call",
    "on_duty",
    "record_night_entry",
    "remove_roster_entry",
    "sheets_for",
    "shifts_of",
    "supervisors_of",
    "sweep_unaccepted_sheets",
    "unresolved_night_entries",
    "week_of",
    "window",
]
