"""Service functions of the directory: the one place that creates staff and residents."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction

from shouwen.access.roles import ROLES
from shouwen.core.services import for_update
from shouwen.core.textlimits import check_model_fields
from shouwen.directory.models import (
    Company,
    Department,
    DepartmentKind,
    Estate,
    Occupancy,
    Resident,
    ResidentPhone,
    Staff,
    StaffRole,
    Unit,
)
from shouwen.directory.phones import validate_phone

DEPARTMENT_NAMES = {kind: str(kind.label) for kind in DepartmentKind}


def create_departments(estate: Estate) -> list[Department]:
    """Create the standard departments of an estate's office (客服, 工程维修, 安护, …) if missing."""
    result = []
    for kind in DepartmentKind:
        dept, _ = Department.objects.get_or_create(
            estate=estate, kind=kind, defaults={"name": str(kind.label)}
        )
        result.append(dept)
    return result


@transaction.atomic
def create_staff(
    *,
    company: Company,
    username: str,
    password: str,
    name: str,
    staff_no: str,
    roles: Sequence[str],
    estates: Iterable[Estate] = (),
    department: Department | None = None,
    phone: str = "",
    email: str = "",
) -> Staff:
    """Create a user account and its staff record with roles and estates served."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown roles: {unknown}")
    user = User(username=username, first_name=name, email=email)
    user.set_password(password)
    # The admin site needs is_staff/is_superuser; only the administrator role gets them.
    user.is_staff = user.is_superuser = "admin" in roles
    user.save()
    staff = Staff.objects.create(
        user=user, company=company, staff_no=staff_no, name=name, department=department, phone=phone
    )
    StaffRole.objects.bulk_create([StaffRole(staff=staff, role=r) for r in roles])
    staff.estates.set(list(estates))
    return staff


def check_resident_texts(**texts: str) -> None:
    """Refuse a resident's name, ID number or notes longer than the archive keeps (field-keyed)."""
    check_model_fields(Resident, **texts)


@transaction.atomic
def create_resident(
    *,
    estate: Estate,
    name: str,
    phones: Sequence[str] = (),
    id_number: str = "",
    kind: str = "person",
    notes: str = "",
    units: Sequence[tuple[Unit, str]] = (),
    start_date: date | None = None,
    email: str = "",
) -> Resident:
    """Create a resident with validated phone numbers and their units (unit, role)."""
    check_resident_texts(name=name, id_number=id_number, notes=notes)
    resident = Resident.objects.create(
        estate=estate,
        name=name,
        id_number=id_number,
        kind=kind,
        notes=notes,
        email=(email or "").strip().lower(),
    )
    for raw in phones:
        ResidentPhone.objects.create(resident=resident, number=validate_phone(raw))
    for unit, role in units:
        Occupancy.objects.create(resident=resident, unit=unit, role=role, start_date=start_date)
    return resident


@transaction.atomic
def set_resident_phones(resident: Resident, numbers: Sequence[str]) -> tuple[list[str], list[str]]:
    """Make ``numbers`` (already validated) the resident's numbers in use; return (added, ended).

    A number no longer listed is ended, never deleted: it keeps its row with ``ended_at`` and stays
    in the history. Numbers still listed keep their rows (and labels).
    """
    from django.utils import timezone

    now = timezone.now()
    current = {p.number: p for p in for_update(ResidentPhone).filter(resident=resident)}
    ended: list[str] = []
    for number, phone in current.items():
        if number not in numbers:
            phone.ended_at = now
            phone.save(update_fields=["ended_at"])  # save, not update(): the history row needs the signal
            ended.append(number)
    added: list[str] = []
    for number in numbers:
        if number not in current and number not in added:
            ResidentPhone.objects.create(resident=resident, number=number)
            added.append(number)
    return added, ended
