"""Serializer of the signed-in staff member's notifications (GET /api/v1/notifications/)."""

from __future__ import annotations

from rest_framework import serializers

from shouwen.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    """One notification: what, about which case, when, and whether it has been read."""

    case_number = serializers.CharField(source="case.number", read_only=True, allow_null=True, default=None)
    is_read = serializers.BooleanField(read_only=True)
    title = serializers.CharField(source="shown_title", read_only=True, help_text="In the reader's language.")
    body = serializers.CharField(source="shown_body", read_only=True, help_text="In the reader's language.")

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "url",
            "urgent",
            "case",
            "case_number",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields


class MarkedReadSerializer(serializers.Serializer):
    """How many notifications were marked read."""

    marked = serializers.IntegerField()
