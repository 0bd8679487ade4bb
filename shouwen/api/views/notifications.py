"""API of the signed-in staff member's own notifications: list, mark one read, mark all read.

Notifications are scoped by recipient, not by estate: every query starts from "mine", so another
person's notification id is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.access.scope import staff_of
from shouwen.api.serializers.notifications import MarkedReadSerializer, NotificationSerializer
from shouwen.notifications.models import Notification
from shouwen.notifications.services import mark_read

_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "unread", OpenApiTypes.BOOL, description=gettext_lazy("true 只列出未读，false 只列出已读")
            )
        ]
    )
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Notification]):
    """The signed-in staff member's notifications, newest first (any active staff member; default permission)."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # the real rows come from get_queryset, always "mine"

    def get_queryset(self) -> QuerySet[Notification]:
        """Return the signed-in staff member's notifications (none for a user without a staff record)."""
        staff = staff_of(self.request.user)
        if staff is None:
            return Notification.objects.none()
        return (
            Notification.objects.filter(recipient=staff).select_related("case").order_by("-created_at", "-pk")
        )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Apply ?unread= to the list."""
        if self.action != "list":
            return queryset
        raw = self.request.query_params.get("unread", "").strip().lower()
        if not raw:
            return queryset
        if raw not in _TRUE | _FALSE:
            raise ValidationError({"unread": [_("应为 true 或 false")]})
        return queryset.filter(read_at__isnull=raw in _TRUE)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark one of my notifications read and return it."""
        notification = self.get_object()
        mark_read(notification.recipient, [notification.pk])
        notification.refresh_from_db(fields=["read_at"])
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses={200: MarkedReadSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark all my notifications read; return how many were unread."""
        staff = staff_of(request.user)
        marked = mark_read(staff, "all") if staff is not None else 0
        return Response(MarkedReadSerializer({"marked": marked}).data)
