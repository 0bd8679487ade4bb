"""Shared viewset pieces: capability checks, estate scoping, query parameters, no DELETE."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError

from shouwen.access.permissions import HasCapability
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset
from shouwen.api.exceptions import LimitReached
from shouwen.core.params import parse_id
from shouwen.directory.search import NumberLookup, number_lookup, record_number_lookup


class ScopedGenericViewSet(viewsets.GenericViewSet[Any]):
    """Require the view's capabilities and restrict every queryset to the user's estates.

    ``get_queryset`` is the only way rows reach a response, so an id from an estate the
    user does not serve is a 404 for detail routes and absent from lists.
    """

    permission_classes = [HasCapability]
    read_cap: ClassVar[str] = Cap.DIRECTORY_VIEW
    write_cap: ClassVar[str] = Cap.DIRECTORY_EDIT
    # Per-action capability overriding read_cap/write_cap, read by HasCapability.
    action_caps: ClassVar[dict[str, str]] = {}

    def get_queryset(self) -> QuerySet[Any]:
        """Return the view's queryset limited to the estates the user may see."""
        return scope_queryset(super().get_queryset(), self.request.user)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Apply the list filters from the query string (detail routes ignore them)."""
        if self.action != "list":
            return queryset
        return self.filter_list(queryset)

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow the list by query parameters; subclasses override."""
        return queryset

    def int_param(self, name: str) -> int | None:
        """Return the query parameter as an id, None when absent; a 400 when it is not a number."""
        raw = self.request.query_params.get(name, "").strip()
        if not raw:
            return None
        value = parse_id(raw)
        if value is None:
            raise ValidationError({name: [_("应为数字编号")]})
        return value

    def number_lookup(self, query: str) -> NumberLookup | None:
        """Return how the user may look the number in ``query`` up, logging it; refuse what policy refuses.

        Part of a number from someone who may not see numbers is a 400 saying the whole number is
        needed; more lookups than the hourly limit a 429 with Retry-After.
        """
        from shouwen.directory.models import Resident

        lookup = number_lookup(self.request.user, query)
        visible = scope_queryset(Resident.objects.all(), self.request.user)
        record_number_lookup(self.request.user, lookup, visible, self.request.META.get("REMOTE_ADDR"))
        if lookup is not None and lookup.over_limit:
            raise LimitReached(lookup.message(), lookup.retry_after)
        if lookup is not None and lookup.refused:
            raise ValidationError({"q": [lookup.message()]})
        return lookup

    def text_param(self, name: str) -> str:
        """Return the query parameter stripped of surrounding spaces (empty when absent)."""
        return self.request.query_params.get(name, "").strip()


class ScopedReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """List and read rows of the user's estates."""


class ScopedNoDeleteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    """List, read, create and change rows of the user's estates; nothing is ever deleted."""
