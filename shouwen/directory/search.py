"""Finding residents and units the way front-desk staff are asked for them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from shouwen.directory.models import Occupancy, Resident, Unit
from shouwen.directory.phones import normalize_phone

# 3-2-1502, 3-1502, 3#2-1502, 3栋2单元1502, 3号楼2单元1502室, 3幢1502, A座1502
_DASHED = re.compile(r"^\s*([0-9A-Za-z]+)\s*[-#－—/]\s*(?:([0-9A-Za-z]+)\s*[-－—/]\s*)?([0-9A-Za-z]+)\s*$")
_WORDED = re.compile(
    r"^\s*([0-9A-Za-z]+)\s*(?:号楼|栋|幢|座|号)\s*(?:([0-9A-Za-z]+)\s*单元)?\s*-?\s*([0-9A-Za-z]+)\s*(?:室|号|房)?\s*$"
)


@dataclass(frozen=True)
class UnitRef:
    """A parsed unit reference: building code, entrance (or None if not said) and number."""

    building: str
    entrance: str | None
    number: str


def parse_unit_shorthand(text: str) -> UnitRef | None:
    """Parse what people say for a unit (3-2-1502, 3栋2单元1502…) or return None."""
    text = text.strip().replace("　", " ")
    for pattern in (_WORDED, _DASHED):
        m = pattern.match(text)
        if m:
            building, entrance, number = m.group(1), m.group(2), m.group(3)
            return UnitRef(building.upper(), entrance.upper() if entrance else None, number.upper())
    return None


def find_units(queryset: QuerySet[Unit], ref: UnitRef) -> QuerySet[Unit]:
    """Return the units in ``queryset`` matching the reference."""
    qs = queryset.filter(building__code__iexact=ref.building, number__iexact=ref.number)
    if ref.entrance is not None:
        qs = qs.filter(entrance__iexact=ref.entrance)
    return qs


def search_residents(queryset: QuerySet[Resident], query: str) -> QuerySet[Resident]:
    """Search residents by name, by a full phone number or its last 4+ digits, or by unit shorthand.

    The caller passes an already estate-scoped queryset.
    """
    query = (query or "").strip()
    if not query:
        return queryset.none()
    matches = Q(pk__in=[])
    ref = parse_unit_shorthand(query)
    if ref is not None:
        current = Occupancy.objects.filter(
            Occupancy.current_q(), unit__in=find_units(Unit.objects.all(), ref)
        )
        matches |= Q(occupancies__in=current)
    digits = normalize_phone(query)
    if digits.isdigit() and len(digits) >= 4:
        # Phone numbers are also stored reversed, so "ends with" is an indexed prefix search.
        matches |= Q(phones__reversed_number__startswith=digits[::-1])
    elif ref is None:
        matches |= Q(name__contains=query)
    return queryset.filter(matches).distinct()
