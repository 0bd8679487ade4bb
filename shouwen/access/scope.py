"""Estate scoping: which estates a user may see, applied to any queryset in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model, QuerySet

from shouwen.access.roles import ROLES

if TYPE_CHECKING:
    from shouwen.directory.models import Staff

M = TypeVar("M", bound=Model)
AnyUser = User | AnonymousUser


def signed_in(user: AnyUser) -> User:
    """Return the user as a signed-in User, or refuse."""
    from django.core.exceptions import PermissionDenied

    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("sign-in required")
    return user


def staff_of(user: AnyUser) -> Staff | None:
    """Return the user's Staff record, or None."""
    if not user.is_authenticated:
        return None
    try:
        return user.staff
    except Exception:  # RelatedObjectDoesNotExist
        return None


def role_codes(user: AnyUser) -> set[str]:
    """Return the role codes of the user; superusers count as administrators."""
    codes: set[str] = set()
    staff = staff_of(user)
    if staff is not None and staff.is_active:
        codes |= staff.role_codes
    if user.is_authenticated and user.is_superuser:
        codes.add("admin")
    return codes


def is_company_wide(user: AnyUser) -> bool:
    """Return whether the user's roles see every estate of their company."""
    return any(ROLES[c].company_wide for c in role_codes(user) if c in ROLES)


def visible_estate_ids(user: AnyUser) -> frozenset[int]:
    """Return the ids of the estates the user may see (cached on the user for the request)."""
    cached: frozenset[int] | None = getattr(user, "_shouwen_estate_ids", None)
    if cached is not None:
        return cached
    from shouwen.directory.models import Estate

    staff = staff_of(user)
    if not user.is_authenticated:
        ids: frozenset[int] = frozenset()
    elif is_company_wide(user):
        qs = Estate.objects.all()
        if staff is not None:
            qs = qs.filter(company_id=staff.company_id)
        ids = frozenset(qs.values_list("pk", flat=True))
    elif staff is not None and staff.is_active:
        ids = frozenset(staff.estates.values_list("pk", flat=True))
    else:
        ids = frozenset()
    user._shouwen_estate_ids = ids  # type: ignore[union-attr]
    return ids


def scope_queryset(queryset: QuerySet[M], user: AnyUser) -> QuerySet[M]:
    """Restrict ``queryset`` to rows in estates the user may see.

    The model names the path to its estate in ``ESTATE_LOOKUP``; a model without one is a
    programming error, so this raises rather than showing everything.
    """
    lookup = getattr(queryset.model, "ESTATE_LOOKUP", None)
    if lookup is None:
        raise TypeError(f"{queryset.model.__name__} has no ESTATE_LOOKUP; cannot scope it by estate")
    ids = visible_estate_ids(user)
    field = "pk__in" if lookup == "pk" else f"{lookup}__in"
    scoped = queryset.filter(**{field: ids})
    if "__" not in lookup and lookup not in ("pk", "estate"):
        scoped = scoped.distinct()  # many-to-many paths (Staff.estates) would repeat rows
    return scoped


def can_see_estate(user: AnyUser, estate_id: int) -> bool:
    """Return whether the user may see records of the given estate."""
    return estate_id in visible_estate_ids(user)
