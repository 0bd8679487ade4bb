"""The admin edits the shifts' times and the equipment counted over at handover; rosters are edited on the page."""

from django.contrib import admin

from shouwen.duty.models import EquipmentItem, Shift


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = [
        "estate",
        "kind",
        "starts",
        "ends",
        "summer_starts",
        "summer_ends",
        "accept_within_minutes",
    ]
    list_filter = ["estate", "kind"]


@admin.register(EquipmentItem)
class EquipmentItemAdmin(admin.ModelAdmin):
    list_display = ["estate", "name", "quantity", "active", "order"]
    list_filter = ["estate", "active"]
