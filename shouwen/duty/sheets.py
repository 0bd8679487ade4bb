"""Shift handover (001 交接班制度): the outgoing person's sheet, what passes on, the incoming person's acceptance.

The sheet lists every open case the outgoing person holds, the handovers waiting on either side, what
comes due in the next shift and the equipment to count over. On acceptance the marked cases pass to the
incoming person through the cases' own handover services (so each case's timeline and bell show it);
until then the outgoing person stays accountable, and a sheet left unaccepted alerts the supervisor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.access.permissions import can
from shouwen.access.roles import ROLES, Cap
from shouwen.cases.models import ACTIVE_STATUSES, Case, CaseStatus, Handover, HandoverStatus
from shouwen.core.textlimits import check_long
from shouwen.directory.models import Estate, Staff
from shouwen.duty.models import (
    EquipmentItem,
    HandoverSheet,
    ItemSection,
    NightLogEntry,
    NightStatus,
    RosterEntry,
    SheetCase,
    SheetEquipment,
    SheetStatus,
    ShiftKind,
)
from shouwen.duty.roster import entry_window, next_entry_of, on_duty

# A sheet may be written for a shift that is running or ended within this time.
LATE_SHEET = timedelta(hours=6)
# Deadlines that count for "could have been done within the shift" (001 值班制度 七).
SHIFT_DEADLINES = ("first_answer", "resolution")
PASSABLE = (CaseStatus.AWAITING_DOCUMENTS, CaseStatus.OPEN)


def current_entry(staff: Staff, estate: Estate, now: datetime | None = None) -> RosterEntry | None:
    """Return the staff member's shift running now, or the one that ended last within a few hours."""
    now = now or timezone.now()
    best: tuple[datetime, RosterEntry] | None = None
    for entry in RosterEntry.objects.filter(
        estate=estate,
        staff=staff,
        date__range=(timezone.localdate(now) - timedelta(days=1), timezone.localdate(now)),
    ).select_related("shift"):
        start, end = entry_window(entry)
        if start <= now < end + LATE_SHEET and (best is None or end > best[0]):
            best = (end, entry)
    return best[1] if best else None


def _next_shift_end(incoming: Staff, estate: Estate, start: datetime, end: datetime) -> datetime:
    """Return when the next shift ends: the incoming person's shift from about now, else one as long."""
    entry = next_entry_of(incoming, estate, end - timedelta(hours=1))
    if entry is not None:
        s, e = entry_window(entry)
        if s <= end + timedelta(hours=1):
            return e
    return end + (end - start)


def _due_dates(case_ids: Iterable[int]) -> dict[int, datetime]:
    from shouwen.sla.models import Deadline, DeadlineState

    rows = (
        Deadline.objects.filter(case_id__in=list(case_ids), state=DeadlineState.RUNNING, due_at__isnull=False)
        .values("case_id")
        .annotate(first=Min("due_at"))
    )
    return {r["case_id"]: r["first"] for r in rows}


def left_over_count(staff: Staff, estate: Estate, start: datetime, end: datetime) -> int:
    """Count the person's open cases whose first-answer or resolution deadline fell in the shift, unmet.

    This is the seeds' "what can be done in a shift is not left to the next" (001 值班制度 七), counted
    when the sheet is written: those matters are passed on with their deadline already missed.
    """
    from shouwen.sla.models import Deadline, DeadlineState

    return (
        Deadline.objects.filter(
            case__estate=estate,
            case__accountable=staff,
            case__status__in=sorted(ACTIVE_STATUSES),
            kind__in=SHIFT_DEADLINES,
            state=DeadlineState.RUNNING,
            due_at__gte=start,
            due_at__lt=end,
        )
        .values("case_id")
        .distinct()
        .count()
    )


@transaction.atomic
def create_sheet(
    outgoing: Staff,
    *,
    incoming: Staff,
    estate: Estate,
    entry: RosterEntry | None = None,
    notes: str = "",
    now: datetime | None = None,
) -> HandoverSheet:
    """Write the outgoing person's handover sheet of their shift, generated from what they hold now."""
    from shouwen.cases.lib import _serves

    check_long(notes=notes)
    now = now or timezone.now()
    if not can(outgoing.user, Cap.DUTY_VIEW) or not _serves(outgoing, estate):
        raise PermissionDenied(_("您不能为该小区交班。"))
    entry = entry or current_entry(outgoing, estate, now)
    if entry is None or entry.staff_id != outgoing.pk or entry.estate_id != estate.pk:
        raise ValidationError(_("您现在没有在该小区值班（或班次已结束太久），不能写交接班记录。"))
    if incoming.pk == outgoing.pk:
        raise ValidationError({"incoming": _("接班人不能是交班人本人。")})
    if not _serves(incoming, estate) or not can(incoming.user, Cap.DUTY_VIEW):
        raise ValidationError({"incoming": _("接班人不服务于该小区或已离职。")})
    if HandoverSheet.objects.filter(entry=entry, status=SheetStatus.WAITING).exists():
        raise ValidationError(_("该班次已有待接班确认的交接班记录。"))
    start, end = entry_window(entry)
    shift = entry.shift
    sheet = HandoverSheet.objects.create(
        estate=estate,
        entry=entry,
        outgoing=outgoing,
        incoming=incoming,
        shift_starts_at=start,
        shift_ends_at=end,
        accept_by=end + timedelta(minutes=shift.accept_within_minutes),
        created_at=now,
        notes=notes.strip(),
        left_over=left_over_count(outgoing, estate, start, end),
    )
    held = list(
        Case.objects.filter(estate=estate, accountable=outgoing, status__in=sorted(ACTIVE_STATUSES)).order_by(
            "pk"
        )
    )
    pending_out = set(
        Handover.objects.filter(case__in=held, status=HandoverStatus.PENDING).values_list(
            "case_id", flat=True
        )
    )
    incoming_cases = list(
        Case.objects.filter(
            estate=estate,
            handovers__status=HandoverStatus.PENDING,
            handovers__to_staff=outgoing,
        )
        .exclude(accountable=outgoing)
        .distinct()
        .order_by("pk")
    )
    due = _due_dates([c.pk for c in held + incoming_cases])
    own_next = next_entry_of(outgoing, estate, end)
    own_next_start = entry_window(own_next)[0] if own_next is not None else None
    next_end = _next_shift_end(incoming, estate, start, end)
    rows = []
    for case in held:
        due_at = due.get(case.pk)
        section = ItemSection.PENDING_OUT if case.pk in pending_out else ItemSection.HELD
        # By default what needs action before the outgoing person is back passes on.
        pass_on = (
            section == ItemSection.HELD
            and case.status in PASSABLE
            and due_at is not None
            and (own_next_start is None or due_at < own_next_start)
        )
        rows.append(
            SheetCase(
                sheet=sheet,
                case=case,
                section=section,
                due_at=due_at,
                due_next_shift=due_at is not None and due_at < next_end,
                pass_on=pass_on,
            )
        )
    for case in incoming_cases:
        due_at = due.get(case.pk)
        rows.append(
            SheetCase(
                sheet=sheet,
                case=case,
                section=ItemSection.PENDING_IN,
                due_at=due_at,
                due_next_shift=due_at is not None and due_at < next_end,
            )
        )
    SheetCase.objects.bulk_create(rows)
    SheetEquipment.objects.bulk_create(
        SheetEquipment(sheet=sheet, name=item.name, expected=item.quantity, present=item.quantity)
        for item in EquipmentItem.objects.filter(estate=estate, active=True)
    )
    from shouwen.notifications.services import notify

    notify(
        incoming,
        title=_("%(who)s 的交接班记录待您接班确认（%(shift)s）")
        % {"who": outgoing.name, "shift": shift.get_kind_display()},
        url=reverse("duty:sheet", args=[sheet.pk]),
    )
    return sheet


def _lock_waiting(sheet: HandoverSheet) -> HandoverSheet:
    fresh = HandoverSheet.objects.select_for_update().select_related("entry__shift").get(pk=sheet.pk)
    if fresh.status != SheetStatus.WAITING:
        from shouwen.cases.lib import CaseConflict

        raise CaseConflict(_("该交接班记录已接班确认，不能再修改。"))
    return fresh


@transaction.atomic
def mark_sheet(
    outgoing: Staff,
    sheet: HandoverSheet,
    *,
    pass_on: Sequence[int] | None = None,
    equipment: Sequence[Mapping[str, Any]] | None = None,
    notes: str | None = None,
) -> HandoverSheet:
    """The outgoing person marks the cases that pass on, counts the equipment and writes notes."""
    check_long(notes=notes)
    sheet = _lock_waiting(sheet)
    if sheet.outgoing_id != outgoing.pk:
        raise PermissionDenied(_("只有交班人可以修改交接班记录。"))
    if pass_on is not None:
        wanted = set(pass_on)
        lines = list(sheet.cases.select_related("case"))
        known = {line.case_id for line in lines}
        if wanted - known:
            raise ValidationError({"pass_on": _("所选事项不在这份交接班记录上。")})
        for line in lines:
            passable = line.section == ItemSection.HELD and line.case.status in PASSABLE
            if line.case_id in wanted and not passable:
                raise ValidationError(
                    {
                        "pass_on": _("%(number)s 现在不能交给接班人（待对方接收或已处理完成）。")
                        % {"number": line.case.number}
                    }
                )
            value = line.case_id in wanted
            if line.pass_on != value:
                line.pass_on = value
                line.save(update_fields=["pass_on"])
    if equipment is not None:
        rows = {row.pk: row for row in sheet.equipment.all()}
        for counted in equipment:
            row = rows.get(int(counted.get("id") or 0))
            if row is None:
                raise ValidationError({"equipment": _("物品不在这份交接班记录上。")})
            present, lent, missing = (int(counted.get(k) or 0) for k in ("present", "lent", "missing"))
            if min(present, lent, missing) < 0 or present + lent + missing != row.expected:
                raise ValidationError(
                    {
                        "equipment": _("%(name)s：在位、借出、缺失合计应为 %(n)s。")
                        % {"name": row.name, "n": row.expected}
                    }
                )
            row.present, row.lent, row.missing = present, lent, missing
            row.note = str(counted.get("note") or "").strip()[:100]
            row.save(update_fields=["present", "lent", "missing", "note"])
    if notes is not None:
        sheet.notes = notes.strip()
        sheet.save(update_fields=["notes"])
    return sheet


def unresolved_night_entries(sheet: HandoverSheet, now: datetime) -> int:
    """Return how many night-log entries of the estate up to now are neither a case nor answered."""
    return NightLogEntry.objects.filter(
        estate_id=sheet.estate_id, status=NightStatus.OPEN, called_at__lte=now
    ).count()


@transaction.atomic
def accept_sheet(incoming: Staff, sheet: HandoverSheet, *, now: datetime | None = None) -> HandoverSheet:
    """The incoming person accepts: the time is recorded and the marked cases pass to them now."""
    from shouwen.cases import services as case_services

    sheet = _lock_waiting(sheet)
    if sheet.incoming_id != incoming.pk:
        raise PermissionDenied(_("只有接班人可以确认接班。"))
    now = now or timezone.now()
    if sheet.entry.shift.kind == ShiftKind.NIGHT:
        open_entries = unresolved_night_entries(sheet, now)
        if open_entries:
            raise ValidationError(
                _(
                    "夜间值班记录还有 %(n)s 条未处理：每条都须填写工作单/投诉记录立项，或填写处理答复后，才能接班。"
                )
                % {"n": open_entries}
            )
    outgoing = sheet.outgoing
    note = _("交接班：%(from)s 交 %(to)s") % {"from": outgoing.name, "to": incoming.name}
    if sheet.notes:
        note = f"{note}。{sheet.notes}"[:2000]
    for line in sheet.cases.filter(pass_on=True).select_related("case"):
        case = Case.objects.get(pk=line.case_id)
        if case.accountable_id != outgoing.pk or case.status not in PASSABLE:
            line.outcome = _("未交接：事项已不由交班人负责或已处理完成")
            line.save(update_fields=["outcome"])
            continue
        try:
            with transaction.atomic():
                handover = case_services.hand_over(outgoing, case, to_staff=incoming, note=note)
                case_services.accept_handover(incoming, handover)
        except (ValidationError, PermissionDenied) as exc:
            text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            line.outcome = (_("未交接：%(why)s") % {"why": text})[:200]
            line.save(update_fields=["outcome"])
            continue
        line.handover = handover
        line.outcome = _("已交接")
        line.save(update_fields=["handover", "outcome"])
    sheet.status = SheetStatus.ACCEPTED
    sheet.accepted_at = now
    sheet.save(update_fields=["status", "accepted_at"])
    return sheet


def supervisors_of(estate: Estate) -> list[Staff]:
    """Return the estate's supervisors who manage the roster (not the company-wide roles)."""
    codes = [r.code for r in ROLES.values() if Cap.DUTY_MANAGE in r.caps and not r.company_wide]
    return list(
        Staff.objects.filter(is_active=True, estates=estate, roles__role__in=codes).distinct().order_by("pk")
    )


def sweep_unaccepted_sheets(now: datetime | None = None) -> dict[str, int]:
    """Alert the supervisors of each sheet not accepted in time, once; the outgoing person stays on duty."""
    from shouwen.notifications.services import notify

    now = now or timezone.now()
    alerted = 0
    late = HandoverSheet.objects.filter(
        status=SheetStatus.WAITING, accept_by__lte=now, alerted_at__isnull=True
    ).select_related("estate", "outgoing__department__head", "incoming", "entry__shift")
    for sheet in late:
        with transaction.atomic():
            claimed = HandoverSheet.objects.filter(
                pk=sheet.pk, status=SheetStatus.WAITING, alerted_at__isnull=True
            ).update(alerted_at=now)
            if not claimed:
                continue
            params = {
                "who": sheet.outgoing.name,
                "to": sheet.incoming.name,
                "shift": sheet.entry.shift.get_kind_display(),
                "end": timezone.localtime(sheet.shift_ends_at).strftime("%m-%d %H:%M"),
            }
            title = _("交接班未确认：%(who)s 的%(shift)s（%(end)s 交班）%(to)s 未接班") % params
            body = _("接班人未到或未确认，%(who)s 仍须坚守岗位、仍是其在办事项的责任人。") % params
            url = reverse("duty:sheet", args=[sheet.pk])
            people = supervisors_of(sheet.estate)
            head = sheet.outgoing.department.head if sheet.outgoing.department else None
            if head is not None and head.is_active and head not in people:
                people.append(head)
            for person in people:
                if person.pk != sheet.outgoing_id:
                    notify(person, title=title, body=body, url=url)
            notify(
                sheet.outgoing,
                title=_("%(to)s 尚未接班确认，请坚守岗位等待接班") % params,
                url=url,
            )
            alerted += 1
    return {"sheets_alerted": alerted}


def sheets_for(staff: Staff, queryset: Any) -> Any:
    """Return the sheets a person sees: their own (either side), all of their estates for supervisors."""
    if can(staff.user, Cap.DUTY_MANAGE):
        return queryset
    return queryset.filter(Q(outgoing=staff) | Q(incoming=staff))


def on_duty_now(estate: Estate) -> list[RosterEntry]:
    """Return who is on duty in the estate now."""
    return on_duty(estate)
