"""Desk procedures: the documents a resident brings and the one-time notice (一次性告知) of what is missing."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.cases import transitions
from shouwen.cases.lib import Kind, _required
from shouwen.cases.lib import lock_case as _lock
from shouwen.cases.lib import record_event as _event
from shouwen.cases.lib import save_case as _save
from shouwen.cases.models import (
    Case,
    CaseStatus,
    OneTimeNotice,
)
from shouwen.core.textlimits import check_lengths, field_max
from shouwen.directory.models import Staff


def _tick(case: Case, staff: Staff, item_ids: Sequence[int]) -> list[str]:
    now = timezone.now()
    rows = case.documents.filter(item_id__in=list(item_ids), provided=False).select_related("item")
    ticked = [r.item.text for r in rows]
    rows.update(provided=True, ticked_by=staff, ticked_at=now)
    if ticked:
        _event(case, staff, Kind.DOCUMENTS, "、".join(ticked), items=list(item_ids))
    return ticked


def missing_documents(case: Case) -> list[str]:
    """Return the required documents of the case's procedure not yet provided, in checklist order."""
    return list(
        case.documents.filter(provided=False, item__required=True)
        .order_by("item__order", "item__pk")
        .values_list("item__text", flat=True)
    )


@transaction.atomic
def tick_documents(staff: Staff, case: Case, *, item_ids: Sequence[int]) -> list[str]:
    """Tick the documents the resident has now brought; return what is still missing."""
    case = _lock(case)
    transitions.check("tick_documents", staff, case)
    if not item_ids:
        raise ValidationError({"item_ids": _("请选择住户带来的资料。")})
    if set(item_ids) - set(case.documents.values_list("item_id", flat=True)):
        raise ValidationError({"item_ids": _("所选资料不属于该事项的手续。")})
    _tick(case, staff, item_ids)
    _save(case)
    return missing_documents(case)


def notice_text(case: Case, missing: Sequence[str]) -> str:
    """Return the one complete notice of everything still missing (for print or a text message)."""
    lines = [
        _("【%(estate)s客服中心】一次性告知：您办理的“%(proc)s”（编号 %(number)s）还需补充以下资料：")
        % {
            "estate": case.estate.name,
            "proc": case.procedure.name if case.procedure else "",
            "number": case.number,
        }
    ]
    lines += [f"{i}. {text}" for i, text in enumerate(missing, 1)]
    lines.append(_("请一次带齐以上资料前来办理。如有疑问请致电客服中心。"))
    return "\n".join(lines)


@transaction.atomic
def give_one_time_notice(staff: Staff, case: Case, *, channel: str) -> OneTimeNotice:
    """Record that the resident was told in one go everything still missing."""
    case = _lock(case)
    transitions.check("give_notice", staff, case)
    if channel not in OneTimeNotice.Channel.values:
        raise ValidationError(_("请选择告知方式。"))
    missing = missing_documents(case)
    if not missing:
        raise ValidationError(_("资料已齐全，无需告知。"))
    notice = OneTimeNotice.objects.create(
        case=case, given_by=staff, channel=channel, missing=missing, text=notice_text(case, missing)
    )
    _event(case, staff, Kind.NOTICE, notice.text, channel=channel, missing=missing)
    _save(case)
    return notice


@transaction.atomic
def accept_for_processing(staff: Staff, case: Case, *, override_reason: str = "") -> Case:
    """Accept a procedure for processing: all documents ticked, or a supervisor overrides with a reason."""
    override_reason = (override_reason or "").strip()
    check_lengths({"override_reason": (override_reason, field_max(Case, "documents_override_reason"))})
    case = _lock(case)
    transitions.check("accept_for_processing", staff, case)
    missing = missing_documents(case)
    if missing:
        if not transitions.is_supervisor(staff, case):
            raise ValidationError(
                _("资料未齐（缺：%(missing)s），不能受理；如需先行受理请由主管填写原因。")
                % {"missing": "、".join(missing)}
            )
        case.documents_override_reason = _required(override_reason, _("资料未齐先行受理，必须填写原因。"))
    case.status = CaseStatus.OPEN
    _event(case, staff, Kind.ACCEPTED_FOR_PROCESSING, case.documents_override_reason, missing=missing)
    _save(case, "status", "documents_override_reason")
    return case
