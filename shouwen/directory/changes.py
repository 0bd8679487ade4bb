"""The 修改记录 of a resident or unit page: who changed what, when, and the values before and after.

Built from django-simple-history's tables. Phone and ID numbers appear masked, as everywhere else
on the pages; the history tables keep the full values for an audit that reveals them through the
usual logged path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.access.masking import mask_id_number, mask_phone
from shouwen.core.history import BASELINE, EXCEL_IMPORT
from shouwen.directory.models import Occupancy, Resident, ResidentPhone, Unit

SHOWN = 200  # the newest changes of one page; older ones stay in the tables (and the admin)

# The fields each page lists, in order; ids, index copies and time stamps are left out.
FIELDS: dict[type[Model], tuple[str, ...]] = {
    Resident: ("name", "kind", "id_number", "notes"),
    ResidentPhone: ("number", "label", "ended_at"),
    Occupancy: ("resident", "unit", "role", "start_date", "end_date"),
    Unit: ("building", "entrance", "number", "floor", "kind", "area", "handover_date"),
}
MASKED = {(Resident, "id_number"): mask_id_number, (ResidentPhone, "number"): mask_phone}


@dataclass
class FieldChange:
    """One field of a record: its label and the value before and after (as shown to people)."""

    label: str
    before: str
    after: str


@dataclass
class ChangeEntry:
    """One saved change of one record: when, by whom, of what, and the fields that changed."""

    at: datetime
    by: str
    what: str
    action: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def resident_changes(resident: Resident) -> list[ChangeEntry]:
    """Return the changes of a resident, their phone numbers and their occupancies, newest first."""
    records = [
        *_records(Resident.history.filter(id=resident.pk)),
        *_records(ResidentPhone.history.filter(resident_id=resident.pk)),
        *_records(Occupancy.history.filter(resident_id=resident.pk)),
    ]
    return _entries(records, skip={(Occupancy, "resident")})


def unit_changes(unit: Unit) -> list[ChangeEntry]:
    """Return the changes of a unit and of the occupancies that tie residents to it, newest first."""
    records = [
        *_records(Unit.history.filter(id=unit.pk)),
        *_records(Occupancy.history.filter(unit_id=unit.pk)),
    ]
    return _entries(records, skip={(Occupancy, "unit")})


def _records(history: Any) -> list[Any]:
    return list(history.select_related("history_user__staff").order_by("history_date", "history_id"))


def _entries(records: Iterable[Any], skip: set[tuple[type[Model], str]]) -> list[ChangeEntry]:
    shown = _Values()
    entries: list[ChangeEntry] = []
    previous: dict[tuple[type[Model], int], Any] = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        model = record.instance_type
        key = (model, record.id)
        before = previous.get(key)
        previous[key] = record
        names = [n for n in FIELDS[model] if (model, n) not in skip]
        if record.history_type == "+" or before is None:
            changed = [n for n in names if not _empty(getattr(record, _attname(model, n)))]
        elif record.history_type == "-":
            changed = []
        else:
            delta = record.diff_against(before, included_fields=names)
            changed = [n for n in names if n in delta.changed_fields]
            if not changed:
                continue  # saved without a difference in what the page shows
        entries.append(
            ChangeEntry(
                at=record.history_date,
                by=_who(record),
                what=_what(model, record, shown),
                action=_action(record, before),
                reason=_reason(record.history_change_reason),
                changes=[
                    FieldChange(
                        label=str(model._meta.get_field(n).verbose_name),
                        before=shown.value(model, n, before)
                        if before is not None and record.history_type == "~"
                        else "—",
                        after=shown.value(model, n, record),
                    )
                    for n in changed
                ],
            )
        )
    entries.reverse()
    return entries[:SHOWN]


def _attname(model: type[Model], name: str) -> str:
    return model._meta.get_field(name).attname  # type: ignore[union-attr]


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _who(record: Any) -> str:
    user = record.history_user
    if user is None:
        return _("系统")
    staff = getattr(user, "staff", None)
    return f"{staff.name}（{staff.staff_no}）" if staff is not None else user.get_username()


def _action(record: Any, before: Any) -> str:
    if record.history_type == "-":
        return _("删除")
    if record.history_type == "+" or before is None:
        return _("新建")
    return _("修改")


def _reason(reason: str | None) -> str:
    labels = {BASELINE: _("启用修改记录时已有的内容"), EXCEL_IMPORT: _("Excel 导入")}
    return labels.get(reason or "", reason or "")


def _what(model: type[Model], record: Any, shown: _Values) -> str:
    if model is Resident:
        return _("住户信息")
    if model is ResidentPhone:
        return _("电话 %(number)s") % {"number": mask_phone(record.number)}
    if model is Unit:
        return _("房屋信息")
    return _("住户房屋关系：%(resident)s，%(unit)s") % {
        "resident": shown.value(Occupancy, "resident", record),
        "unit": shown.value(Occupancy, "unit", record),
    }


class _Values:
    """Turns stored values into what people read, looking related records up once each."""

    def __init__(self) -> None:
        self.related: dict[tuple[type[Model], Any], str] = {}

    def value(self, model: type[Model], name: str, record: Any) -> str:
        """Return the record's value of field ``name`` as shown on the page."""
        model_field: Any = model._meta.get_field(name)
        raw = getattr(record, model_field.attname)
        if _empty(raw):
            return "—"
        mask = MASKED.get((model, name))
        if mask is not None:
            return mask(str(raw))
        if model_field.is_relation:
            return self._related(model_field.related_model, raw)
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(raw, raw))
        if isinstance(raw, datetime):
            return timezone.localtime(raw).strftime("%Y-%m-%d %H:%M")
        if isinstance(raw, date):
            return raw.isoformat()
        return str(raw)

    def _related(self, model: type[Model], pk: Any) -> str:
        key = (model, pk)
        if key not in self.related:
            if model is Unit:
                unit = Unit.objects.select_related("building").filter(pk=pk).first()
                self.related[key] = unit.label if unit is not None else f"#{pk}"
            else:
                obj = model._base_manager.filter(pk=pk).first()
                self.related[key] = str(obj) if obj is not None else f"#{pk}"
        return self.related[key]
