"""Django admin for the directory (administrators only)."""

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from shouwen.directory import models


@admin.register(models.Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "service_phone"]


@admin.register(models.Estate)
class EstateAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "company", "address"]
    search_fields = ["code", "name"]


@admin.register(models.Building)
class BuildingAdmin(SimpleHistoryAdmin):
    list_display = ["estate", "code", "name", "floors", "entrances"]
    list_filter = ["estate"]
    search_fields = ["code", "name"]


@admin.register(models.Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "building", "entrance", "number", "kind", "area", "handover_date"]
    list_filter = ["building__estate", "kind"]
    search_fields = ["number", "building__code"]
    list_select_related = ["building__estate"]
    raw_id_fields = ["building"]


@admin.register(models.PublicArea)
class PublicAreaAdmin(SimpleHistoryAdmin):
    list_display = ["name", "estate", "kind", "building", "in_service_date"]
    list_filter = ["estate", "kind"]


class ResidentPhoneInline(admin.TabularInline):
    model = models.ResidentPhone
    extra = 1
    fields = ["number", "label", "ended_at"]
    can_delete = False  # a number is ended (停用时间), never deleted: it stays in the history


class OccupancyInline(admin.TabularInline):
    model = models.Occupancy
    extra = 0
    raw_id_fields = ["unit"]
    can_delete = False  # ended with an end date, never deleted


@admin.register(models.Resident)
class ResidentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "estate", "kind"]
    list_filter = ["estate", "kind"]
    search_fields = ["name", "email"]
    inlines = [ResidentPhoneInline, OccupancyInline]

    def has_delete_permission(self, request: HttpRequest, obj: models.Resident | None = None) -> bool:
        return False  # a resident's record is archived, never deleted


@admin.register(models.Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "estate", "kind", "head", "phone"]
    raw_id_fields = ["head"]
    list_filter = ["estate", "kind"]


class StaffRoleInline(admin.TabularInline):
    model = models.StaffRole
    extra = 1


@admin.register(models.Staff)
class StaffAdmin(SimpleHistoryAdmin):
    list_display = ["staff_no", "name", "department", "is_active"]
    list_filter = ["is_active", "department__kind"]
    search_fields = ["staff_no", "name", "user__username"]
    filter_horizontal = ["estates"]
    inlines = [StaffRoleInline]
    raw_id_fields = ["user"]
