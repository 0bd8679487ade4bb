"""Return visits in the admin are for looking only: they change through the service functions."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shouwen.followups.models import ReturnVisit, ReturnVisitAttempt


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReturnVisit)
class ReturnVisitAdmin(_ReadOnly):
    list_display = ["case", "round", "status", "due_at", "attempts", "visitor", "satisfaction"]
    list_filter = ["status", "satisfaction", "channel"]
    search_fields = ["case__number"]
    list_select_related = ["case", "visitor"]


@admin.register(ReturnVisitAttempt)
class ReturnVisitAttemptAdmin(_ReadOnly):
    list_display = ["visit", "at", "by", "outcome"]
    list_filter = ["outcome"]
    list_select_related = ["visit__case", "by"]
