"""Read-side helpers for cases: queues and search (all querysets arrive already estate-scoped)."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from shouwen.cases.models import ACTIVE_STATUSES, Case, Contact, Handover, HandoverStatus
from shouwen.cases.search import filter_by_text
from shouwen.directory.models import Occupancy, ResidentPhone, Staff, Unit
from shouwen.directory.phones import normalize_phone
from shouwen.directory.search import find_units, parse_unit_shorthand

CASE_NUMBER = re.compile(r"^[A-Za-z0-9]{1,12}-\d{8}-\d{4}$")
ACTIVE = sorted(ACTIVE_STATUSES)


def with_list_columns(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Select what a queue row shows (accountable person, estate, unit) in one query."""
    return qs.select_related("accountable", "estate", "unit__building", "public_area", "resident")


def my_open_cases(qs: QuerySet[Case], staff: Staff) -> QuerySet[Case]:
    """Return the active cases the staff member is accountable for, oldest first."""
    return qs.filter(accountable=staff, status__in=ACTIVE).order_by("created_at", "pk")


def handovers_waiting_for(staff: Staff) -> QuerySet[Handover]:
    """Return the pending handovers addressed to the staff member or to their department."""
    condition = Q(to_staff=staff)
    if staff.department_id:
        condition |= Q(to_staff__isnull=True, to_department_id=staff.department_id)
    return (
        Handover.objects.filter(condition, status=HandoverStatus.PENDING)
        .select_related("case__accountable", "case__estate", "from_staff", "to_department", "to_staff")
        .order_by("created_at", "pk")
    )


def department_unassigned(staff: Staff) -> QuerySet[Handover]:
    """Return the pending handovers to the staff member's department that name nobody."""
    if not staff.department_id:
        return Handover.objects.none()
    return (
        Handover.objects.filter(
            status=HandoverStatus.PENDING, to_staff__isnull=True, to_department_id=staff.department_id
        )
        .select_related("case__accountable", "case__estate", "from_staff", "to_department")
        .order_by("created_at", "pk")
    )


def estate_open_cases(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Return the active cases of the visible estates, oldest first."""
    return qs.filter(status__in=ACTIVE).order_by("created_at", "pk")


def assignment_requests(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Return the cases whose holder asked a supervisor to name a handler."""
    return qs.filter(assignment_requested=True, status__in=ACTIVE).order_by("updated_at", "pk")


def search_cases(qs: QuerySet[Case], query: str) -> QuerySet[Case]:
    """Find cases by number, phone (or its last 4+ digits), unit shorthand, resident name or any word."""
    query = (query or "").strip()
    if not query:
        return qs.none()
    if CASE_NUMBER.match(query):
        return qs.filter(number__iexact=query)
    digits = normalize_phone(query)
    if digits.isdigit() and len(digits) >= 4:
        residents = ResidentPhone.objects.filter(reversed_number__startswith=digits[::-1]).values(
            "resident_id"
        )
        callers = Contact.objects.filter(caller_phone=digits).values("case_id")
        return qs.filter(Q(resident_id__in=residents) | Q(pk__in=callers))
    ref = parse_unit_shorthand(query)
    if ref is not None:
        units = find_units(Unit.objects.all(), ref)
        occupants = Occupancy.objects.filter(unit__in=units).values("resident_id")
        return qs.filter(Q(unit__in=units) | Q(resident_id__in=occupants))
    return filter_by_text(qs, query)
