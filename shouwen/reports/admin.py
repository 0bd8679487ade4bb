"""Targets and assessment weights are the administrator's to edit; every change records who and when."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from shouwen.reports.models import AssessmentWeights, DepartmentAssessment, MonthlySummary, Target


class _Stamped(admin.ModelAdmin):
    readonly_fields = ["updated_at", "updated_by"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Target)
class TargetAdmin(_Stamped):
    list_display = ["code", "percent", "source", "updated_at", "updated_by"]


@admin.register(AssessmentWeights)
class AssessmentWeightsAdmin(_Stamped):
    list_display = ["company", "self_check", "inspection", "survey", "complaints", "points_per_complaint"]


@admin.register(DepartmentAssessment)
class DepartmentAssessmentAdmin(admin.ModelAdmin):
    """Entered on the assessment page (with the estate check); the admin only reads them."""

    list_display = ["department", "year", "quarter", "self_check_score", "inspection_score", "entered_by"]
    list_filter = ["year", "quarter"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MonthlySummary)
class MonthlySummaryAdmin(admin.ModelAdmin):
    """Written and submitted on the summary page; here for looking only."""

    list_display = ["estate", "month", "revision", "status", "submitted_by", "submitted_at"]
    list_filter = ["status", "estate"]
    list_select_related = ["estate", "submitted_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
