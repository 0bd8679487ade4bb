"""Read-side helpers for cases: queues and search (all querysets arrive already estate-scoped)."""

from __future__ import annotations

import re

from django.db.models import Exists, F, OrderBy, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from shouwen.cases.models import ACTIVE_STATUSES, Case, Contact, Handover, HandoverStatus
from shouwen.cases.search import filter_by_text
from shouwen.directory.models import Occupancy, Staff, Unit
from shouwen.directory.search import NumberLookup, find_units, parse_unit_shorthand

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
    return qs.filter(status__in=ACTIVE).order_by(found_first("created_at"), "pk")


def found_first(field: str) -> OrderBy:
    """Order by ``field`` (never NULL) without letting the database walk that field's index to find rows.

    An estate's open cases are a few among years of closed ones, but statistics only tell SQLite
    that (estate, status) has few distinct values; with them it walked the created_at index from
    the first case ever, reading the whole history to avoid sorting a hundred rows. An expression
    cannot be read from an index in order, so the rows are found by (estate, status) and sorted.
    """
    return Coalesce(F(field), F(field)).asc()


def visible_handovers(handovers: QuerySet[Handover], scoped: QuerySet[Case]) -> QuerySet[Handover]:
    """Keep the handovers whose case is in ``scoped`` (the user's estates), tested one handover at a time.

    "case IN (the estates' cases)", or a join, let the database start from every case of the
    estates; EXISTS per handover starts from the few pending handovers found by their indexes.
    """
    return handovers.filter(Exists(scoped.filter(pk=OuterRef("case_id"))))


def assignment_requests(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Return the cases whose holder asked a supervisor to name a handler."""
    return qs.filter(assignment_requested=True, status__in=ACTIVE).order_by("updated_at", "pk")


def search_cases(qs: QuerySet[Case], query: str, lookup: NumberLookup | None) -> QuerySet[Case]:
    """Find cases by number, phone number (as ``lookup`` allows), unit shorthand, resident name or any word.

    ``lookup`` comes from :func:`shouwen.directory.search.number_lookup` for the same query: the last
    4+ digits for those who may see numbers, the whole number for others, nothing when refused.
    """
    query = (query or "").strip()
    if not query:
        return qs.none()
    if CASE_NUMBER.match(query):
        # Exact values use the unique index; iexact is LIKE (SQLite) or UPPER() (PostgreSQL): a full scan.
        # Estate codes are capitals, so a number typed in lower case is found by its upper-case form.
        return qs.filter(number__in=sorted({query, query.upper()}))
    # The people and units below are few (a phone suffix, a flat); their ids are fetched first so that
    # "resident IN (…) OR id IN (…)" uses the indexes on both sides. With subqueries inside the OR,
    # PostgreSQL filtered every case of the estates instead, newest first, until it had enough.
    ref = parse_unit_shorthand(query)
    if lookup is None and ref is None:
        return filter_by_text(qs, query)
    condition = Q(pk__in=[])
    if lookup is not None and not lookup.refused:
        residents = list(lookup.phones().values_list("resident_id", flat=True))
        # The caller's number as registered on the case's contacts: always the whole number.
        callers = list(
            Contact.objects.filter(caller_phone=lookup.digits, case__isnull=False).values_list(
                "case_id", flat=True
            )
        )
        condition |= Q(resident_id__in=residents) | Q(pk__in=callers)
    if ref is not None:
        units = list(find_units(Unit.objects.all(), ref).values_list("pk", flat=True))
        occupants = list(Occupancy.objects.filter(unit__in=units).values_list("resident_id", flat=True))
        condition |= Q(unit__in=units) | Q(resident_id__in=occupants)
    return qs.filter(condition)


def escalated_to(qs: QuerySet[Case], staff: Staff) -> QuerySet[Case]:
    """Return the active cases whose overdue deadlines were escalated to the staff member."""
    from shouwen.sla.models import Escalation

    mine = Escalation.objects.filter(target=staff, handled_at__isnull=True).values("case_id")
    return qs.filter(pk__in=mine, status__in=ACTIVE).order_by("created_at", "pk")


def overdue(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Return the active cases with a running deadline already past (an index range scan on due_at)."""
    from django.utils import timezone

    from shouwen.sla.models import Deadline

    late = Deadline.objects.filter(state="running", due_at__lt=timezone.now()).values("case_id")
    return qs.filter(pk__in=late, status__in=ACTIVE).order_by("created_at", "pk")
