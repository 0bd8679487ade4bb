"""The life of a case after intake: whose fault, notes, resolved, reopened, closed, declined, voided,
and the clock stopped and restarted (暂停计时 / 恢复计时).

The case records that it is paused (``paused_since``) and why, on its timeline; the deadline app
listens to the PAUSED and RESUMED events and moves the deadlines. Nothing here knows deadlines.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwen.cases import transitions
from shouwen.cases.lib import (
    Kind,
    _end_responsibility,
    _required,
    lock_case,
    record_event,
    save_case,
    search_text_with_resolution,
    tell,
)
from shouwen.cases.lib import lock_case as _lock
from shouwen.cases.lib import record_event as _event
from shouwen.cases.lib import save_case as _save
from shouwen.cases.models import (
    PAUSE_NOTE_MAX,
    RETURN_VISIT_CATEGORIES,
    Attribution,
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    HandoverStatus,
    PauseReason,
)
from shouwen.core.i18n import stored
from shouwen.core.textlimits import check_lengths, check_long, field_max
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


@transaction.atomic
def record_attribution(staff: Staff, case: Case, *, attribution: str, note: str = "") -> Case:
    """Record whose fault the underlying problem is (物业、装修、开发商遗留、自然、住户或邻居)."""
    note = (note or "").strip()
    check_lengths({"note": (note, field_max(Case, "attribution_note"))})
    case = _lock(case)
    transitions.check("record_attribution", staff, case)
    if attribution not in Attribution.values:
        raise ValidationError(_("请选择责任归属。"))
    case.attribution = attribution
    case.attribution_note = note
    _event(case, staff, Kind.ATTRIBUTION, case.attribution_note, attribution=attribution)
    _save(case, "attribution", "attribution_note")
    return case


@transaction.atomic
def add_note(staff: Staff, case: Case, *, text: str, to_resident: bool = False) -> CaseNote:
    """Add an internal note, or record a message given to the resident (kept apart)."""
    check_long(text=text)
    case = _lock(case)
    transitions.check("add_message" if to_resident else "add_note", staff, case)
    text = _required(text, _("请填写内容。"))
    kind = CaseNote.Kind.TO_RESIDENT if to_resident else CaseNote.Kind.INTERNAL
    note = CaseNote.objects.create(case=case, kind=kind, author=staff, text=text)
    _event(case, staff, Kind.MESSAGE if to_resident else Kind.NOTE, text, note=note.pk)
    _save(case)
    return note


def resolve_case(staff: Staff, case: Case, *, resolution: str) -> Case:
    """Record the result; repairs and complaints then wait for a return visit, the rest are closed."""
    return _resolve(staff, case, resolution)


def _resolve(staff: Staff, case: Case, resolution: str, **data: object) -> Case:
    check_long(resolution=resolution)
    resolution = _required(resolution, _("请填写处理结果。"))
    # The words are cut before the transaction (when the caller holds none): a long result holds no lock.
    seen = Case.objects.only("resolution", "search_text").get(pk=case.pk)
    return _save_resolution(
        staff, case, resolution, seen, search_text_with_resolution(seen, resolution), data
    )


@transaction.atomic
def _save_resolution(
    staff: Staff, case: Case, resolution: str, seen: Case, words: str, data: dict[str, object]
) -> Case:
    case = _lock(case)
    transitions.check("resolve", staff, case)
    if (case.resolution, case.search_text) != (seen.resolution, seen.search_text):
        words = search_text_with_resolution(case, resolution)  # resolved meanwhile: rare, cut again
    case.resolution = resolution
    now = timezone.now()
    case.resolved_at = now
    _event(case, staff, Kind.RESOLVED, case.resolution, **data)
    if case.category in RETURN_VISIT_CATEGORIES:
        case.status = CaseStatus.RESOLVED
    else:
        case.status = CaseStatus.CLOSED
        case.closed_at = now
        _end_responsibility(case)
        _event(case, staff, Kind.CLOSED, "")
    case.search_text = words
    _save(case, "resolution", "resolved_at", "status", "closed_at", "accountable", "search_text")
    return case


def _reopen(case: Case, staff: Staff, reason: str, **data: object) -> None:
    # The accountable person is kept: the last holder (usually the technician) takes the case again.
    case.status = CaseStatus.OPEN
    case.resolved_at = None
    _event(case, staff, Kind.REOPENED, reason, **data)
    _save(case, "status", "resolved_at")
    params = {"number": case.number, "summary": case.summary}
    tell(
        [case.accountable],
        staff,
        case,
        stored(gettext_noop("%(number)s 已重新打开，请继续办理：%(summary)s"), **params),
        reason,
    )


def _close(case: Case, staff: Staff, note: str, **data: object) -> None:
    case.status = CaseStatus.CLOSED
    case.closed_at = timezone.now()
    _end_responsibility(case)
    _event(case, staff, Kind.CLOSED, note, **data)
    _save(case, "status", "closed_at", "accountable")


def _return_visit_satisfied(case: Case) -> bool:
    """Return whether the latest round's return visit is recorded with a result that allows closing."""
    # followups builds on cases, so its model is imported here rather than at the top (no import cycle).
    from shouwen.followups.models import ReturnVisit

    latest = ReturnVisit.objects.filter(case=case).order_by("-round", "-pk").first()
    return latest is not None and latest.is_satisfied


def resolve_as_accountable(case: Case, *, resolution: str) -> Case:
    """Resolve a repair case in its accountable person's name when its last work order is done.

    Only for :mod:`shouwen.workorders`: the technician who finishes the last work order is often
    not the case's accountable person, whom the transition table requires for "resolve". The
    work order's own timeline entry names the technician; the rules of "resolve" (status, no
    pending handover, the holder still serving the estate) still apply through resolve_case().
    """
    holder = case.accountable
    if holder is None:
        raise transitions.CaseActionDenied(_("事项 %(number)s 没有当前责任人。") % {"number": case.number})
    # Marked: the holder did not resolve it, the technicians did (they may not visit it back).
    return _resolve(holder, case, resolution, by_work_orders=True)


@transaction.atomic
def reopen_case(staff: Staff, case: Case, *, reason: str) -> Case:
    """Reopen a handled case (e.g. the resident is not satisfied); the last holder takes it again."""
    check_long(reason=reason)
    case = _lock(case)
    transitions.check("reopen", staff, case)
    _reopen(case, staff, _required(reason, _("请说明重新打开的原因。")))
    return case


@transaction.atomic
def close_case(staff: Staff, case: Case, *, note: str = "") -> Case:
    """Close a handled case; a repair or complaint needs a satisfied return visit or a supervisor's reason."""
    check_long(note=note)
    case = _lock(case)
    transitions.check("close", staff, case)
    note = note.strip()
    data: dict[str, object] = {}
    # 100% of repairs and every complaint are visited back (001 报修接待 ④, 投诉处理及回访制度 六).
    if case.category in RETURN_VISIT_CATEGORIES and not _return_visit_satisfied(case):
        if not transitions.is_supervisor(staff, case):
            raise ValidationError(
                _("维修和投诉须回访满意后办结，请先记录回访；确实无法回访的，由主管填写原因后办结。")
            )
        note = _required(note, _("未经回访办结，主管必须填写原因。"))
        data["without_return_visit"] = True
    _close(case, staff, note, **data)
    return case


@transaction.atomic
def close_after_return_visit(staff: Staff, case: Case, *, note: str) -> Case:
    """Close the case after the satisfied return visit just recorded.

    Only for :func:`shouwen.followups.services.record_return_visit`: the visitor is any service
    staff member (``record_return_visit`` in the transition table), whereas ``close`` is for the
    holder or a supervisor.
    """
    case = _lock(case)
    transitions.check("record_return_visit", staff, case)
    if not _return_visit_satisfied(case):
        raise ValidationError(_("尚未记录满意的回访结果，不能办结。"))
    _close(case, staff, note.strip(), return_visit=True)
    return case


@transaction.atomic
def reopen_after_return_visit(staff: Staff, case: Case, *, reason: str) -> Case:
    """Give the case back to its last holder after the unsatisfied return visit just recorded.

    Only for :func:`shouwen.followups.services.record_return_visit` (see close_after_return_visit).
    """
    case = _lock(case)
    transitions.check("record_return_visit", staff, case)
    _reopen(case, staff, _required(reason, _("请说明重新打开的原因。")), return_visit=True)
    return case


@transaction.atomic
def decline_case(staff: Staff, case: Case, *, explanation: str) -> Case:
    """Close an unreasonable request as declined, with the explanation given to the resident."""
    check_long(explanation=explanation)
    case = _lock(case)
    transitions.check("decline", staff, case)
    case.status_reason = _required(explanation, _("婉拒必须记录向住户说明的理由。"))
    case.status = CaseStatus.DECLINED
    case.closed_at = timezone.now()
    _end_responsibility(case)
    _event(case, staff, Kind.DECLINED, case.status_reason)
    _save(case, "status", "status_reason", "closed_at", "accountable")
    return case


@transaction.atomic
def void_case(staff: Staff, case: Case, *, reason: str) -> Case:
    """A supervisor voids a mistaken registration; it stays visible and is counted as void."""
    check_long(reason=reason)
    case = _lock(case)
    transitions.check("void", staff, case)
    case.status_reason = _required(reason, _("作废必须填写原因。"))
    case.handovers.filter(status=HandoverStatus.PENDING).update(
        status=HandoverStatus.CANCELLED, decided_at=timezone.now(), decided_by=staff, reason=_("事项已作废")
    )
    case.status = CaseStatus.VOID
    case.closed_at = timezone.now()
    _end_responsibility(case)
    _event(case, staff, Kind.VOIDED, case.status_reason)
    _save(case, "status", "status_reason", "closed_at", "accountable")
    return case
