"""Home visits in the admin are for looking only: areas are assigned on the 走访责任区 page, visits recorded by the services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shouwen.homevisits.models import HomeVisit, PlanItem, VisitArea


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(VisitArea)
class VisitAreaAdmin(_ReadOnly):
    list_display = ["estate", "assistant", "cycle_start", "updated_at", "updated_by"]
    list_filter = ["estate"]
    list_select_related = ["estate", "assistant", "updated_by"]


@admin.register(PlanItem)
class PlanItemAdmin(_ReadOnly):
    list_display = ["area", "day", "position", "unit", "last_visited", "visit"]
    list_filter = ["day"]
    list_select_related = ["area__estate", "area__assistant", "unit__building", "visit"]


@admin.register(HomeVisit)
class HomeVisitAdmin(_ReadOnly):
    list_display = ["unit", "visited_at", "visitor", "companion", "outcome", "entered_home", "case"]
    list_filter = ["outcome", "estate"]
    list_select_related = ["unit__building", "visitor", "companion", "case"]
