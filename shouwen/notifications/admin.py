"""Notifications in the admin are for looking only: they are created by the system, not by hand."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shouwen.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "recipient",
        "kind",
        "title",
        "urgent",
        "read_at",
        "email_status",
        "sms_status",
    ]
    list_filter = ["kind", "urgent", "email_status", "sms_status"]
    search_fields = ["title", "recipient__name", "recipient__staff_no"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "case"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
