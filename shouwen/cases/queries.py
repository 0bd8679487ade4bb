"""Read-side helpers for cases: queues, search and the case file (all querysets arrive already estate-scoped)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, F, OrderBy, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from shouwen.cases.models import (
    ACTIVE_STATUSES,
    Attachment,
    Case,
    CaseDocument,
    CaseEvent,
    CaseNote,
    Contact,
    Handover,
    HandoverStatus,
    OneTimeNotice,
    Responsibility,
)
from shouwen.cases.search import filter_by_text
from shouwen.directory.models import Estate, Occupancy, Staff, Unit
from shouwen.directory.search import NumberLookup, find_units, parse_unit_shorthand

CASE_NUMBER = re.compile(r"^[A-Za-z0-9]{1,12}-\d{8}-\d{4}$")
SHORT_NUMBER = re.compile(r"^\d{4}$")
SHORT_NUMBER_DAYS = 7  # 0007 finds the cases numbered …-0007 registered today and in the six days before


def short_number_candidates(short: str, today: date | None = None) -> list[str]:
    """Return the case numbers that ``0007`` may stand for: every estate's …-0007 of the last week.

    Exact numbers, so the unique index finds them; the caller's queryset keeps those of the user's estates.
    """
    today = today or timezone.localdate()
    codes = Estate.objects.values_list("code", flat=True)
    days = [today - timedelta(days=n) for n in range(SHORT_NUMBER_DAYS)]
    return [f"{code}-{day:%Y%m%d}-{short}" for code in codes for day in days]


ACTIVE = sorted(ACTIVE_STATUSES)


def with_list_columns(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Select what a queue row shows in one query: accountable person, estate, unit, department, and

    ``next_due_at`` / ``next_due_kind`` (the nearest running deadline), ``handover_since`` (when the
    pending handover was offered, NULL when none), each a subquery of the same SELECT.
    """
    return qs.select_related(
        "accountable", "estate", "unit__building", "public_area", "resident", "department"
    ).annotate(
        next_due_at=Subquery(nearest_deadline().values("due_at")[:1]),
        next_due_kind=Subquery(nearest_deadline().values("kind")[:1]),
        handover_since=Subquery(
            Handover.objects.filter(case=OuterRef("pk"), status=HandoverStatus.PENDING)
            .order_by("created_at")
            .values("created_at")[:1]
        ),
    )


def nearest_deadline() -> QuerySet[Any]:
    """The running deadlines of the outer case that have a due time, nearest first (for subqueries)."""
    return (
        _rows_of("deadlines")
        .filter(case=OuterRef("pk"), state="running", due_at__isnull=False)
        .order_by("due_at", "pk")
    )


def next_due() -> Subquery:
    """The due time of the outer case's nearest running deadline (NULL when none), to sort by."""
    return Subquery(nearest_deadline().values("due_at")[:1])


def deadline_kinds() -> list[tuple[str, str]]:
    """The kinds of deadline the deadline app declares (read through the relation, not imported)."""
    model = Case._meta.get_field("deadlines").related_model
    field: Any = model._meta.get_field("kind")  # type: ignore[union-attr]
    return [(str(code), str(label)) for code, label in field.choices or []]


def with_handover_to_department(qs: QuerySet[Case], department_id: int) -> QuerySet[Case]:
    """Keep the cases with a pending handover to the department or to one of its staff."""
    waiting = Handover.objects.filter(case=OuterRef("pk"), status=HandoverStatus.PENDING).filter(
        Q(to_department_id=department_id) | Q(to_staff__department_id=department_id)
    )
    return qs.filter(Exists(waiting))


def with_running_deadline(qs: QuerySet[Case], kind: str) -> QuerySet[Case]:
    """Keep the cases with a running deadline of ``kind``."""
    return qs.filter(Exists(_rows_of("deadlines").filter(case=OuterRef("pk"), state="running", kind=kind)))


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
    """Find cases by number or its last four digits, phone number (as ``lookup`` allows), unit, name or any word.

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
    short = unicodedata.normalize("NFKC", query)
    short = short if SHORT_NUMBER.match(short) else ""
    if lookup is None and ref is None and not short:
        return filter_by_text(qs, query)
    condition = Q(pk__in=[])
    if short:
        condition |= Q(number__in=short_number_candidates(short))
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


def _rows_of(relation: str) -> QuerySet[Any]:
    """All rows of the model behind a case's reverse relation (deadlines, escalations, pauses).

    Those models belong to the deadline app, which knows cases; cases reaches them only through the
    relations that app declares, never by importing it.
    """
    return Case._meta.get_field(relation).related_model._default_manager.all()  # type: ignore[union-attr]


def escalated_to(qs: QuerySet[Case], staff: Staff) -> QuerySet[Case]:
    """Return the active cases whose overdue deadlines were escalated to the staff member (not yet handled)."""
    mine = _rows_of("escalations").filter(target=staff, handled_at__isnull=True).values("case_id")
    return qs.filter(pk__in=mine, status__in=ACTIVE).order_by("created_at", "pk")


def overdue(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Return the active cases with a running deadline already past (an index range scan on due_at)."""
    late = _rows_of("deadlines").filter(state="running", due_at__lt=timezone.now()).values("case_id")
    return qs.filter(pk__in=late, status__in=ACTIVE).order_by("created_at", "pk")


def case_file(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Load everything the case file shows (page and API) in a fixed number of queries.

    The related lists come in the order the case file shows them: the chain, timeline, notes,
    attachments, deadlines and pauses oldest first, documents in the procedure's order.
    """
    return qs.select_related(
        "estate",
        "origin__complained_department",
        "resident",
        "unit__building",
        "public_area",
        "first_contact__department",
        "accountable__department",
        "department",
        "procedure",
    ).prefetch_related(
        Prefetch(
            "responsibilities",
            queryset=Responsibility.objects.select_related("holder__department").order_by("started_at", "pk"),
        ),
        Prefetch(
            "handovers",
            queryset=Handover.objects.filter(status=HandoverStatus.PENDING).select_related(
                "from_staff", "to_staff", "to_department"
            ),
            to_attr="pending_handovers",
        ),
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "pk")),
        Prefetch("notes", queryset=CaseNote.objects.select_related("author")),
        Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
        Prefetch(
            "documents",
            queryset=CaseDocument.objects.select_related("item", "ticked_by").order_by(
                "item__order", "item__pk"
            ),
        ),
        Prefetch("notices", queryset=OneTimeNotice.objects.select_related("given_by")),
        Prefetch(
            "contacts", queryset=Contact.objects.select_related("registered_by").order_by("received_at", "pk")
        ),
        Prefetch(
            "deadlines", queryset=_rows_of("deadlines").select_related("policy").order_by("started_at", "pk")
        ),
        Prefetch("pauses", queryset=_rows_of("pauses").select_related("started_by", "ended_by")),
    )
