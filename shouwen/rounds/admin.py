"""Checkpoints are edited in the admin; reports and reviews are read there (they change only through the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shouwen.rounds.models import Checkpoint, MorningReview, PatrolReport


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin[Checkpoint]):
    list_display = ("name", "estate", "hint", "public_area", "position", "active")
    list_filter = ("estate", "active")
    list_editable = ("position", "active")
    search_fields = ("name", "hint")
    list_select_related = ("estate", "public_area")


class _ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PatrolReport)
class PatrolReportAdmin(_ReadOnly):
    list_display = ("day", "estate", "patroller", "submitted_at", "late", "read_by", "read_at")
    list_filter = ("estate", "late")
    date_hierarchy = "day"


@admin.register(MorningReview)
class MorningReviewAdmin(_ReadOnly):
    list_display = ("day", "estate", "period_start", "period_end", "reviewed_by", "reviewed_at")
    list_filter = ("estate",)
    date_hierarchy = "day"
