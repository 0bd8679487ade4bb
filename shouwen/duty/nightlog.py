"""The night log (夜间值班记录表): each night call is an entry; the morning handover turns every entry into
a case (work order, complaint record) or records it as handled with its answer (001 值班制度 四–五)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.cases.models import Category, Channel, Contact
from shouwen.core.services import required_text
from shouwen.core.textlimits import check_long, check_model_fields
from shouwen.directory.models import Estate, Staff
from shouwen.duty.models import NightLogEntry, NightStatus

LOOKBACK = timedelta(hours=24)
CLOCK_SKEW = timedelta(minutes=2)


def _check(staff: Staff, estate: Estate) -> None:
    from shouwen.cases.lib import _serves

    if not can(staff.user, Cap.DUTY_VIEW) or not _serves(staff, estate):
        raise PermissionDenied(_("您不能记录该小区的夜间值班。"))


def record_night_entry(
    staff: Staff,
    *,
    estate: Estate,
    content: str,
    called_at: datetime | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    place: str = "",
) -> NightLogEntry:
    """Write a night call in the night log, to be turned into a case or answered at the morning handover."""
    _check(staff, estate)
    check_long(content=content)
    check_model_fields(NightLogEntry, caller_name=caller_name, caller_phone=caller_phone, place=place)
    content = required_text(content, _("请填写来电内容。"), "content")
    now = timezone.now()
    called_at = called_at or now
    if called_at > now + CLOCK_SKEW:
        raise ValidationError({"called_at": [_("来电时间不能晚于现在。")]})
    if called_at < now - LOOKBACK:
        raise ValidationError({"called_at": [_("来电时间不能早于 24 小时前，请改为补登记事项。")]})
    return NightLogEntry.objects.create(
        estate=estate,
        recorded_by=staff,
        called_at=called_at,
        caller_name=caller_name.strip(),
        caller_phone=caller_phone.strip(),
        place=place.strip(),
        content=content,
    )


def note_night_call(staff: Staff, contact: Contact) -> NightLogEntry:
    """Enter a night call already registered (a case, or answered on the spot) in the night log."""
    case = contact.case
    return NightLogEntry.objects.create(
        estate_id=contact.estate_id,
        recorded_by=staff,
        called_at=contact.received_at,
        caller_name=contact.caller_name,
        caller_phone=contact.caller_phone,
        place=(case.unit.label if case is not None and case.unit is not None else contact.location)[:100],
        content=contact.content,
        status=NightStatus.CASE if case is not None else NightStatus.HANDLED,
        contact=contact,
        answer=contact.answer if case is None else "",
        resolved_by=staff,
        resolved_at=contact.registered_at,
    )


def _lock_open(entry: NightLogEntry) -> NightLogEntry:
    fresh = NightLogEntry.objects.select_for_update().select_related("estate").get(pk=entry.pk)
    if fresh.status != NightStatus.OPEN:
        from shouwen.cases.lib import CaseConflict

        raise CaseConflict(_("该夜间值班记录已处理（%(s)s）。") % {"s": fresh.get_status_display()})
    return fresh


def night_entry_to_case(staff: Staff, entry: NightLogEntry, *, category: str = "") -> NightLogEntry:
    """Register the entry as a case (the desk fills the work order or complaint record); the entry is settled."""
    from shouwen.cases import services as case_services

    if category and category not in Category.values:
        raise ValidationError({"category": _("没有这个类别。")})
    draft = case_services.prepare_contact(
        staff,
        estate=entry.estate,
        channel=Channel.NIGHT_LOG,
        category=category or Category.HOUSEHOLD_REPAIR,
        content=entry.content,
        caller_name=entry.caller_name,
        caller_phone=entry.caller_phone,
        location=entry.place,
        received_at=entry.called_at,
    )
    with transaction.atomic():
        entry = _lock_open(entry)
        contact = case_services.save_contact(draft)
        entry.contact = contact
        entry.status = NightStatus.CASE
        entry.resolved_by = staff
        entry.resolved_at = timezone.now()
        entry.save(update_fields=["contact", "status", "resolved_by", "resolved_at"])
    return entry


@transaction.atomic
def night_entry_handled(staff: Staff, entry: NightLogEntry, *, answer: str) -> NightLogEntry:
    """Record that the call was handled and what the resident was told; the entry is settled."""
    _check(staff, entry.estate)
    check_long(answer=answer)
    answer = required_text(answer, _("请填写处理情况及给住户的答复。"), "answer")
    entry = _lock_open(entry)
    entry.status = NightStatus.HANDLED
    entry.answer = answer
    entry.resolved_by = staff
    entry.resolved_at = timezone.now()
    entry.save(update_fields=["status", "answer", "resolved_by", "resolved_at"])
    return entry
