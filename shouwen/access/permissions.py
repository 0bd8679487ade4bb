"""Permission checks shared by pages and the API: capability by role, scope by estate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseBase
from rest_framework import permissions

from shouwen.access.roles import ROLES
from shouwen.access.scope import AnyUser, role_codes, scope_queryset, staff_of

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


def can(user: AnyUser, cap: str) -> bool:
    """Return whether any of the user's roles grants the capability."""
    return any(cap in ROLES[c].caps for c in role_codes(user) if c in ROLES)


def require(user: AnyUser, cap: str) -> None:
    """Raise PermissionDenied unless the user has the capability."""
    if not can(user, cap):
        raise PermissionDenied(cap)


def is_staff_member(user: AnyUser) -> bool:
    """Return whether the user is active staff (or a superuser)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    staff = staff_of(user)
    return staff is not None and staff.is_active


class CapabilityRequiredMixin(AccessMixin):
    """Page views: require staff with ``required_cap`` and scope querysets by estate.

    ``method_caps`` names a different capability for one HTTP method (e.g. a page that shows a
    resident on GET and reveals their numbers on POST), like ``action_caps`` on the API.
    """

    required_cap: ClassVar[str]
    method_caps: ClassVar[dict[str, str]] = {}

    def capability_for(self, method: str) -> str:
        """Return the capability the HTTP method needs on this page."""
        return self.method_caps.get(method.lower(), self.required_cap)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        cap = self.capability_for(request.method or "get")
        if not is_staff_member(request.user) or not can(request.user, cap):
            raise PermissionDenied(cap)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def scoped(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Return the queryset restricted to the estates the user serves."""
        return scope_queryset(queryset, self.request.user)  # type: ignore[attr-defined]


class IsStaffMember(permissions.BasePermission):
    """API default: only active staff get in."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_staff_member(request.user)


class HasCapability(permissions.BasePermission):
    """API: the view names a capability for reading and one for writing.

    ``read_cap`` covers safe methods, ``write_cap`` the rest; objects are checked against
    the user's estates as well, so an id from another estate is a 404, not a leak.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not is_staff_member(request.user):
            return False
        cap = view.read_cap if request.method in permissions.SAFE_METHODS else view.write_cap  # type: ignore[attr-defined]
        extra = getattr(view, "action_caps", {}).get(getattr(view, "action", None))
        if extra:
            cap = extra
        return can(request.user, cap)

    def has_object_permission(self, request: Request, view: APIView, obj: Model) -> bool:
        model = type(obj)
        return scope_queryset(model._default_manager.filter(pk=obj.pk), request.user).exists()
