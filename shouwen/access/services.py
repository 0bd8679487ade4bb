"""Actions on personal data: revealing a phone or ID number, with the reveal logged."""

from __future__ import annotations

from django.db import transaction

from shouwen.access.models import PersonalDataAccess
from shouwen.access.permissions import require
from shouwen.access.roles import Cap
from shouwen.access.scope import AnyUser, can_see_estate


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
    chosen = [f for f in fields if f in allowed] or sorted(allowed)
    PersonalDataAccess.objects.create(
        user=user,
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
