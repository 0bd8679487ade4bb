"""Cases in the admin are for looking only: they change through the service functions, and never go away."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shouwen.cases.models import Case, Contact


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(_ReadOnly):
    list_display = ["number", "estate", "category", "status", "accountable", "created_at"]
    list_filter = ["estate", "status", "category"]
    search_fields = ["number", "summary"]
    list_select_related = ["estate", "accountable"]


@admin.register(Contact)
class ContactAdmin(_ReadOnly):
    list_display = ["received_at", "estate", "channel", "category", "answered_on_spot", "registered_by"]
    list_filter = ["estate", "channel", "category", "answered_on_spot"]
    list_select_related = ["estate", "registered_by"]
