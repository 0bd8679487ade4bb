"""The access log is read-only in the admin: nobody edits or deletes it."""

from django.contrib import admin
from django.http import HttpRequest

from shouwen.access.models import PersonalDataAccess


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "resident", "estate", "fields", "channel", "searched", "ip_address"]
    list_filter = ["estate", "channel"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest, obj: PersonalDataAccess | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PersonalDataAccess | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PersonalDataAccess | None = None) -> bool:
        return False
