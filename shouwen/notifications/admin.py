"""Notifications in the admin are for looking only: they are created by the system, not by hand.

The "投递情况" filter lists the e-mail and SMS copies that failed for good or are being retried, so an
administrator sees a mail server or SMS gateway problem (and its error) without reading logs.
"""

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shouwen.notifications.models import Delivery, Notification


class DeliveryProblemFilter(admin.SimpleListFilter):
    """Copies whose e-mail or SMS failed for good, or failed a try and waits for another."""

    title = _("投递情况")
    parameter_name = "delivery"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("failed", _("发送失败（邮件或短信）")), ("retrying", _("重试中（邮件或短信）"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
        status = {"failed": Delivery.FAILED, "retrying": Delivery.RETRYING}.get(self.value() or "")
        if status is None:
            return queryset
        return queryset.filter(Q(email_status=status) | Q(sms_status=status))


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
        "email_attempts",
        "email_error",
        "sms_status",
        "sms_attempts",
        "sms_error",
    ]
    list_filter = [DeliveryProblemFilter, "kind", "urgent", "email_status", "sms_status"]
    search_fields = ["title", "recipient__name", "recipient__staff_no"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "case"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
