"""Correcting a registration (更正登记) and spotting a second registration of the same matter.

A complaint saved without its grade or with a wrong number is corrected in place, never voided and
registered again: every change is kept in the timeline as before → after, and the deadlines follow
(the sla app reacts to the CORRECTED event).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from shouwen.access.masking import mask_phone
from shouwen.cases import transitions
from shouwen.cases.intake import _caller_phone, classify_repair, classify_urgency
from shouwen.cases.lib import Kind, refresh_search_text
from shouwen.cases.lib import lock_case as _lock
from shouwen.cases.lib import record_event as _event
from shouwen.cases.lib import save_case as _save
from shouwen.cases.models import (
    ACTIVE_STATUSES,
    REPAIR_CATEGORIES,
    Case,
    Category,
    Severity,
    Urgency,
)
from shouwen.core.i18n import stored, stored_join
from shouwen.core.textlimits import check_lengths
from shouwen.directory.models import PublicArea, Staff, Unit

# A second registration of the same matter usually comes minutes after the first (two calls, two clerks).
DUPLICATE_WINDOW = timedelta(hours=1)

# The corrected fields, in the order the timeline lists them, with their labels.
FIELDS = ("category", "severity", "urgency", "unit", "public_area", "caller_phone", "requested_due")

StrOrPromise = str | Promise


def _label(field: str) -> StrOrPromise:
    return {
        "category": gettext_lazy("类别"),
        "severity": gettext_lazy("投诉等级"),
        "urgency": gettext_lazy("紧急程度"),
        "unit": gettext_lazy("房屋"),
        "public_area": gettext_lazy("公共区域"),
        "caller_phone": gettext_lazy("联系电话"),
        "requested_due": gettext_lazy("住户要求的期限"),
    }[field]


def _shown(field: str, value: Any) -> StrOrPromise:
    """Return a value as the timeline shows it (labels, not codes; a dash for nothing)."""
    if value in (None, ""):
        return "—"
    choices = {"category": Category, "severity": Severity, "urgency": Urgency}.get(field)
    if choices is not None:
        # A value from before a rule was checked is shown as stored.
        label: StrOrPromise = dict(choices.choices).get(value, value)
        return label
    if field == "unit":
        return str(value.label)
    if field == "public_area":
        return str(value.name)
    if field == "requested_due":
        return f"{value:%Y-%m-%d}"
    if field == "caller_phone":
        # The timeline is read by every role: masked there; the event's data keeps the numbers.
        return mask_phone(value)
    return str(value)


def _stored(field: str, value: Any) -> Any:
    """Return a value as the event's data keeps it (ids, ISO dates)."""
    if field in ("unit", "public_area"):
        return value.pk if value is not None else None
    if field == "requested_due":
        return value.isoformat() if value is not None else None
    return value


def _current(case: Case) -> dict[str, Any]:
    return {
        "category": case.category,
        "severity": case.severity,
        "urgency": case.urgency,
        "unit": case.unit,
        "public_area": case.public_area,
        "caller_phone": case.origin.caller_phone,
        "requested_due": case.requested_due,
    }


def _check(case: Case, wanted: dict[str, Any]) -> dict[str, Any]:
    """Return the corrected values made consistent, or raise every broken rule under its field."""
    errors: dict[str, str] = {}
    category = wanted["category"]
    if category not in Category.values:
        errors["category"] = _("请选择正确的类别。")
    wanted["severity"], wanted["urgency"] = wanted["severity"] or "", wanted["urgency"] or ""
    if wanted["severity"] and wanted["severity"] not in Severity.values:
        errors["severity"] = _("请选择正确的投诉等级。")
    if wanted["urgency"] and wanted["urgency"] not in Urgency.values:
        errors["urgency"] = _("请选择正确的紧急程度。")
    for name in ("unit", "public_area"):
        place = wanted[name]
        estate_id = place.building.estate_id if isinstance(place, Unit) else getattr(place, "estate_id", None)
        if place is not None and estate_id != case.estate_id:
            errors[name] = _("不属于所选小区。")
    if errors:
        raise ValidationError(errors)
    # A number is replaced, never erased: left empty it stays as registered.
    wanted["caller_phone"] = _caller_phone(wanted["caller_phone"] or "") or case.origin.caller_phone
    if category != Category.COMPLAINT:
        wanted["severity"] = ""
    if category in REPAIR_CATEGORIES:
        wanted["urgency"] = wanted["urgency"] or classify_urgency(case.origin.content)
    else:
        wanted["urgency"] = ""
    return wanted


class _Keep:
    """An argument left out: the registered value stays."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


def _unit_named(case: Case, text: str) -> Unit | None:
    """Return the estate's unit the text names (None for an empty text), or refuse under ``unit_text``."""
    from shouwen.cases.intake import _unit_from_text

    text = (text or "").strip()
    if not text:
        return None
    errors: dict[str, str] = {}
    unit = _unit_from_text(case.estate, text, errors)
    if errors:
        raise ValidationError(errors)
    return unit


@transaction.atomic
def correct_registration(
    staff: Staff,
    case: Case,
    *,
    category: str = KEEP,
    severity: str = KEEP,
    urgency: str = KEEP,
    unit: Unit | None = KEEP,
    public_area: PublicArea | None = KEEP,
    caller_phone: str = "",
    requested_due: date | None = KEEP,
    unit_text: str = KEEP,
    reason: str = "",
) -> Case:
    """Correct what was registered wrongly; each change goes in the timeline as before → after.

    What is left out stays as registered (an empty ``caller_phone`` too: a number is replaced, never
    erased); ``unit_text`` names the unit as people type it (3-2-1502), empty for none. The accountable person or a supervisor corrects an active case; the deadlines are
    recomputed from reception by the sla app.
    """
    reason = (reason or "").strip()
    check_lengths({"reason": (reason, 200)})
    case = _lock(case)
    transitions.check("correct", staff, case)
    case = Case.objects.select_related("origin", "unit__building", "public_area", "estate").get(pk=case.pk)
    before = _current(case)
    given = {
        "category": category,
        "severity": severity,
        "urgency": urgency,
        "unit": unit,
        "public_area": public_area,
        "caller_phone": caller_phone,
        "requested_due": requested_due,
    }
    if unit_text is not KEEP:
        given["unit"] = _unit_named(case, unit_text)
    after = _check(case, {f: before[f] if v is KEEP else v for f, v in given.items()})
    changed = [f for f in FIELDS if before[f] != after[f]]
    if not changed:
        raise ValidationError(_("没有需要更正的内容。"))
    for field in changed:
        if field == "caller_phone":
            case.origin.caller_phone = after[field]
            case.origin.save(update_fields=["caller_phone"])
        else:
            setattr(case, field, after[field])
    if "category" in changed:
        case.repair_type = classify_repair(case.origin.content) if case.category in REPAIR_CATEGORIES else ""
    lines = [
        stored(
            gettext_noop("%(field)s：%(before)s → %(after)s"),
            field=_label(f),
            before=_shown(f, before[f]),
            after=_shown(f, after[f]),
        )
        for f in changed
    ]
    if reason:
        lines.append(stored(gettext_noop("原因：%(reason)s"), reason=reason))
    refresh_search_text(case)
    _save(case, *[f for f in changed if f != "caller_phone"], "repair_type", "search_text")
    _event(
        case,
        staff,
        Kind.CORRECTED,
        stored_join(lines),
        changes={f: [_stored(f, before[f]), _stored(f, after[f])] for f in changed},
    )
    return case


def possible_duplicates(case: Case) -> QuerySet[Case]:
    """Return other open cases of the same category at the same unit or from the same number,
    registered within an hour of this one: probably the same matter registered twice."""
    phone = case.origin.caller_phone
    same_place = Q(unit=case.unit) if case.unit_id is not None else Q(pk__in=[])
    if phone:
        same_place |= Q(origin__caller_phone=phone)
    at = case.created_at or timezone.now()
    return (
        Case.objects.filter(
            same_place,
            estate_id=case.estate_id,
            category=case.category,
            status__in=sorted(ACTIVE_STATUSES),
            created_at__gte=at - DUPLICATE_WINDOW,
            created_at__lte=at + DUPLICATE_WINDOW,
        )
        .exclude(pk=case.pk)
        .order_by("created_at")
    )
