"""Stopping and restarting the clock of a case (暂停计时 / 恢复计时), as case actions.

The case records that it is paused (``paused_since``) and why, on its timeline; the deadline app
listens to the PAUSED and RESUMED events and moves the deadlines. Nothing here knows deadlines.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.cases import transitions
from shouwen.cases.lib import lock_case, record_event, save_case
from shouwen.cases.models import PAUSE_NOTE_MAX, Case, CaseEvent, PauseReason
from shouwen.core.textlimits import check_lengths, check_long
from shouwen.directory.models import Staff

K = CaseEvent.Kind


@transaction.atomic
def pause_case(staff: Staff, case: Case, *, reason: str, note: str) -> Case:
    """Stop the clock for a reason from the list; paused time does not count against any deadline."""
    note = (note or "").strip()
    check_lengths({"note": (note, PAUSE_NOTE_MAX)})
    case = lock_case(case)
    transitions.check("pause", staff, case)
    errors = {}
    if reason not in PauseReason.values:
        errors["reason"] = _("请选择暂停原因。")
    if not note:
        errors["note"] = _("暂停计时必须说明情况。")
    if errors:
        raise ValidationError(errors)
    case.paused_since = timezone.now()
    save_case(case, "paused_since")
    record_event(case, staff, K.PAUSED, f"{PauseReason(reason).label}：{note}", reason=reason, note=note)
    return case


@transaction.atomic
def resume_case(staff: Staff, case: Case, *, note: str = "") -> Case:
    """Start the clock again; every deadline moves on by the paused time."""
    check_long(note=note)
    case = lock_case(case)
    transitions.check("resume", staff, case)
    case.paused_since = None
    save_case(case, "paused_since")
    record_event(case, staff, K.RESUMED, (note or "").strip())
    return case
