"""Exporting an estate's buildings, units and current residents to the Excel file it imports from."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import FilteredRelation, Q
from django.utils import timezone

from shouwen.directory.excel import (
    O_ROLE,
    PHONE_SEPARATOR,
    R_KIND,
    U_KIND,
    choice_columns,
    new_workbook,
    row_cells,
    save_workbook,
)
from shouwen.directory.models import Building, Estate, Occupancy, ResidentPhone, Unit

_CHUNK = 2000


def export_directory(estate: Estate) -> bytes:
    """Return the estate's buildings, units and current residents as an .xlsx workbook."""
    wb, building_sheet, unit_sheet = new_workbook(help_first=False)
    buildings = (
        Building.objects.filter(estate=estate)
        .order_by("code")
        .values_list("code", "name", "floors", "entrances")
        .iterator(chunk_size=_CHUNK)
    )
    for row in buildings:
        building_sheet.append(row_cells(building_sheet, row))

    labels = choice_columns()
    phones = _phones_by_resident(estate)
    today = timezone.localdate()
    # One row per unit and current occupant; the LEFT JOIN keeps units nobody lives in as one row
    # with the resident columns empty. Ended occupancies are history, not part of the sheet.
    current = FilteredRelation(
        "occupancies",
        condition=Q(occupancies__end_date__isnull=True) | Q(occupancies__end_date__gte=today),
    )
    rows = (
        Unit.objects.filter(building__estate=estate)
        .annotate(cur=current)
        .order_by("building__code", "entrance", "number", "cur__pk")
        .values_list(
            "building__code",
            "entrance",
            "number",
            "floor",
            "kind",
            "area",
            "handover_date",
            "cur__resident_id",
            "cur__resident__name",
            "cur__resident__kind",
            "cur__role",
            "cur__resident__id_number",
            "cur__start_date",
            "cur__resident__notes",
        )
        .iterator(chunk_size=_CHUNK)
    )
    for code, entrance, number, floor, kind, area, handover, resident_id, *rest in rows:
        values: list[object] = [code, entrance, number, floor, labels[U_KIND].get(kind, kind), area, handover]
        if resident_id is not None:
            name, resident_kind, role, id_number, start, notes = rest
            values += [
                name,
                labels[R_KIND].get(resident_kind, resident_kind),
                labels[O_ROLE].get(role, role),
                PHONE_SEPARATOR.join(phones.get(resident_id, [])),
                id_number,
                start,
                notes,
            ]
        unit_sheet.append(row_cells(unit_sheet, values))
    return save_workbook(wb)


def _phones_by_resident(estate: Estate) -> dict[int, list[str]]:
    """Return the phone numbers of the residents living in the estate, in the order they were added."""
    residents = Occupancy.objects.filter(unit__building__estate=estate).values("resident_id")
    result: dict[int, list[str]] = defaultdict(list)
    numbers = (
        ResidentPhone.objects.filter(resident_id__in=residents)
        .order_by("resident_id", "pk")
        .values_list("resident_id", "number")
        .iterator(chunk_size=_CHUNK)
    )
    for resident_id, number in numbers:
        result[resident_id].append(number)
    return result
