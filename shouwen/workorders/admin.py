"""Admin: the price list and the warranty rules are edited here; work orders are only looked at."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shouwen.workorders.models import Material, WarrantyRule, WorkOrder


class _NoDelete(admin.ModelAdmin):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Material)
class MaterialAdmin(_NoDelete):
    list_display = ["name", "spec", "unit", "unit_price", "active"]
    list_filter = ["active", "unit"]
    list_editable = ["unit_price", "active"]
    search_fields = ["name", "spec"]


@admin.register(WarrantyRule)
class WarrantyRuleAdmin(_NoDelete):
    list_display = ["trade", "applies_to", "months", "active", "source"]
    list_filter = ["applies_to", "active"]
    list_editable = ["months", "active"]


@admin.register(WorkOrder)
class WorkOrderAdmin(_NoDelete):
    """Work orders change through the service functions only."""

    list_display = ["number", "trade", "state", "appointment_at", "total", "paid", "created_at"]
    list_filter = ["state", "trade", "urgency", "kind"]
    search_fields = ["number", "case__number"]
    list_select_related = ["case"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
