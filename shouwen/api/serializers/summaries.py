"""Serializers of the monthly summary: a revision, and the requests that start, save and submit one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from shouwen.api.serializers.base import ScopedPrimaryKeyRelatedField
from shouwen.api.serializers.cases import StaffRefSerializer
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Estate
from shouwen.reports.models import MonthlySummary


class MonthlySummarySerializer(serializers.ModelSerializer):
    """One revision of an estate's monthly summary and next month's plan."""

    month = serializers.SerializerMethodField(help_text=gettext_lazy("月份 YYYY-MM"))
    submitted_by = StaffRefSerializer(read_only=True, allow_null=True)
    updated_by = StaffRefSerializer(read_only=True, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = MonthlySummary
        fields = [
            "id",
            "estate",
            "month",
            "revision",
            "status",
            "status_display",
            "summary",
            "plan",
            "generated_at",
            "updated_at",
            "updated_by",
            "submitted_at",
            "submitted_by",
        ]
        read_only_fields = fields

    def get_month(self, summary: MonthlySummary) -> str:
        return f"{summary.month:%Y-%m}"


class StartSummarySerializer(serializers.Serializer):
    """The estate and month (YYYY-MM) whose summary to open; the draft is written when there is none."""

    estate = ScopedPrimaryKeyRelatedField(queryset=Estate.objects.all())
    month = serializers.RegexField(r"^20\d{2}-(0[1-9]|1[0-2])$", max_length=7)


class SummaryTextSerializer(serializers.Serializer):
    """The edited texts of a draft."""

    summary_text = serializers.CharField(allow_blank=True, max_length=LONG_TEXT_MAX)
    plan_text = serializers.CharField(allow_blank=True, max_length=LONG_TEXT_MAX)


class SubmitSummarySerializer(serializers.Serializer):
    """Optional last edits sent with the submission."""

    summary_text = serializers.CharField(required=False, allow_blank=True, max_length=LONG_TEXT_MAX)
    plan_text = serializers.CharField(required=False, allow_blank=True, max_length=LONG_TEXT_MAX)
