"""Actions on personal data: revealing a phone or ID number, with the reveal logged."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from shouwen.access.models import PersonalDataAccess
from shouwen.access.permissions import require
from shouwen.access.roles import Cap
from shouwen.access.scope import AnyUser, can_see_estate, signed_in


@transaction.atomic
def reveal_personal_data(
    user: AnyUser,
    resident: object,
    fields: list[str],
    channel: str,
    ip_address: str | None = None,
    reason: str = "",
) -> dict[str, object]:
    """Return the resident's unmasked data for ``fields`` and record who saw it and when."""
    from django.core.exceptions import PermissionDenied

    from shouwen.directory.models import Resident

    assert isinstance(resident, Resident)
    require(user, Cap.PERSONAL_REVEAL)
    if not can_see_estate(user, resident.estate_id):
        raise PermissionDenied("estate")
    allowed = {c.value for c in PersonalDataAccess.Field}
    # Each field once: a request naming "phone" ten times is one reveal of the phones (and fits the log).
    chosen = list(dict.fromkeys(f for f in fields if f in allowed)) or sorted(allowed)
    PersonalDataAccess.objects.create(
        user=signed_in(user),
        resident=resident,
        estate_id=resident.estate_id,
        fields=",".join(chosen),
        channel=channel,
        reason=reason[:200],
        ip_address=ip_address,
    )
    data: dict[str, object] = {}
    if "phone" in chosen:
        data["phones"] = [p.number for p in resident.phones.all()]
    if "id_number" in chosen:
        data["id_number"] = resident.id_number
    return data


def log_reveal_for_work(
    user: AnyUser, resident: object | None, estate_id: int, reason: str, ip_address: str | None = None
) -> None:
    """Record that ``user`` saw a phone number their work needs (a technician arranging a visit).

    The caller checked that the work is theirs; the row is written like any other reveal.
    """
    from shouwen.directory.models import Resident

    assert resident is None or isinstance(resident, Resident)
    PersonalDataAccess.objects.create(
        user=signed_in(user),
        resident=resident,
        estate_id=estate_id,
        fields=PersonalDataAccess.Field.PHONE,
        channel="page",
        reason=reason[:200],
        ip_address=ip_address,
    )


def log_export(user: AnyUser, estate_id: int, resident_ids: list[int], ip_address: str | None = None) -> int:
    """Record that an export put these residents' full phone and ID numbers in the user's hands."""
    from django.utils import timezone

    now = timezone.now()
    rows = [
        PersonalDataAccess(
            at=now,
            user=signed_in(user),
            resident_id=rid,
            estate_id=estate_id,
            fields="phone,id_number",
            channel="export",
            ip_address=ip_address,
        )
        for rid in resident_ids
    ]
    PersonalDataAccess.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def log_number_lookup(
    user: AnyUser,
    number: str,
    matches: list[tuple[int, int]],
    estate_ids: list[int],
    ip_address: str | None = None,
) -> int:
    """Record that a user who may not see numbers looked one up: one row per resident found, else per estate."""
    from django.utils import timezone

    person = signed_in(user)
    now = timezone.now()  # one time for all rows of the lookup, so they count as one lookup
    common = {"at": now, "user": person, "fields": "phone", "channel": "search", "searched": number[:30]}
    rows = [
        PersonalDataAccess(resident_id=rid, estate_id=eid, ip_address=ip_address, **common)
        for rid, eid in matches
    ] or [PersonalDataAccess(estate_id=eid, ip_address=ip_address, **common) for eid in estate_ids]
    PersonalDataAccess.objects.bulk_create(rows)
    return len(rows)


def recent_number_lookups(user: AnyUser, since: datetime) -> tuple[int, datetime | None]:
    """Return how many number lookups the user made since ``since``, and when the first of them was."""
    from django.db.models import Count, Min

    found = PersonalDataAccess.objects.filter(
        user=signed_in(user), channel="search", at__gte=since
    ).aggregate(lookups=Count("at", distinct=True), first=Min("at"))
    return int(found["lookups"] or 0), found["first"]
