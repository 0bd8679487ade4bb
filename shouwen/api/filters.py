"""The API side of the shared list filters (django-filter's DRF backend with our refusals)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from shouwen.api.exceptions import LimitReached


class ListFilterBackend(DjangoFilterBackend):
    """Filter a list by the view's ``filterset_class``: a bad value is a 400 naming the parameter.

    A phone number the user may not look up this way is a 400 on ``q`` saying the whole number is
    needed; more lookups than the hourly limit a 429 with Retry-After.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        filtered = filterset.qs
        lookup = getattr(filterset, "number_lookup", None)
        if lookup is not None and lookup.over_limit:
            raise LimitReached(lookup.message(), lookup.retry_after)
        if lookup is not None and lookup.refused:
            raise ValidationError({"q": [lookup.message()]})
        return filtered
