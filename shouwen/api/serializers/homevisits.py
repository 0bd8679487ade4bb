"""Serializers of home visits: areas, visit records, the day's plan and coverage."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from shouwen.api.serializers.base import ScopedPrimaryKeyRelatedField
from shouwen.api.serializers.cases import StaffRefSerializer
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Building, Estate, Staff, Unit
from shouwen.homevisits.models import HomeVisit, Outcome, PlanItem, VisitArea
from shouwen.homevisits.services import CASE_CATEGORIES

# The categories a home visit's opinion may become (named in the schema as VisitCaseCategoryEnum).
VISIT_CASE_CATEGORIES = [c.value for c in CASE_CATEGORIES]


class VisitAreaSerializer(serializers.ModelSerializer):
    """An assistant's area: the estate, the assistant and the buildings they visit."""

    assistant = StaffRefSerializer(read_only=True)
    buildings = serializers.SerializerMethodField()

    class Meta:
        model = VisitArea
        fields = ["id", "estate", "assistant", "buildings", "cycle_start", "updated_at"]
        read_only_fields = fields

    def get_buildings(self, area: VisitArea) -> list[int]:
        return [b.pk for b in area.buildings.all()]


class SetAreaSerializer(serializers.Serializer):
    """Give an assistant their buildings (the area is created or replaced)."""

    estate = ScopedPrimaryKeyRelatedField(queryset=Estate.objects.all())
    assistant = ScopedPrimaryKeyRelatedField(queryset=Staff.objects.all())
    buildings = ScopedPrimaryKeyRelatedField(queryset=Building.objects.all(), many=True)
    cycle_start = serializers.DateField(required=False, allow_null=True, default=None)


class HomeVisitSerializer(serializers.ModelSerializer):
    """A visit record: the call, the visit, who went, the outcome, the opinions and the case they became."""

    unit_label = serializers.CharField(source="unit.label", read_only=True)
    visitor = StaffRefSerializer(read_only=True)
    companion = StaffRefSerializer(read_only=True, allow_null=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    case = serializers.SerializerMethodField(help_text=gettext_lazy("意见登记成的事项编号"))

    class Meta:
        model = HomeVisit
        fields = [
            "id",
            "estate",
            "unit",
            "unit_label",
            "resident",
            "visitor",
            "companion",
            "phoned_at",
            "visited_at",
            "entered_home",
            "outcome",
            "outcome_display",
            "note_left",
            "opinions",
            "case",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_case(self, visit: HomeVisit) -> str | None:
        return visit.case.number if visit.case is not None else None


class RecordVisitSerializer(serializers.Serializer):
    """A visit to record; with ``case_category`` the opinion becomes a case at once."""

    unit = ScopedPrimaryKeyRelatedField(queryset=Unit.objects.select_related("building"))
    visited_at = serializers.DateTimeField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    phoned_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    entered_home = serializers.BooleanField(required=False, default=False)
    companion = ScopedPrimaryKeyRelatedField(
        queryset=Staff.objects.all(), required=False, allow_null=True, default=None
    )
    note_left = serializers.BooleanField(required=False, default=False)
    opinions = serializers.CharField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX)
    case_category = serializers.ChoiceField(
        choices=VISIT_CASE_CATEGORIES, required=False, allow_blank=True, default=""
    )


class VisitCaseSerializer(serializers.Serializer):
    """The category of the case the visit's opinion becomes."""

    category = serializers.ChoiceField(choices=VISIT_CASE_CATEGORIES)


class PlanItemSerializer(serializers.ModelSerializer):
    """One household on the day's plan and whether it has been visited."""

    unit_label = serializers.CharField(source="unit.label", read_only=True)
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = PlanItem
        fields = ["day", "position", "unit", "unit_label", "last_visited", "visit", "outcome"]
        read_only_fields = fields

    def get_outcome(self, item: PlanItem) -> str | None:
        return item.visit.outcome if item.visit is not None else None


class PlanSerializer(serializers.Serializer):
    """The day's plan: the day and its households in order."""

    day = serializers.DateField()
    items = PlanItemSerializer(many=True)


class CoverageRowSerializer(serializers.Serializer):
    """Occupied households, those visited in the last 365 days, and the share."""

    name = serializers.CharField(source="label")
    estate = serializers.IntegerField(source="estate_id")
    area = serializers.IntegerField(source="area.pk", allow_null=True, default=None)
    occupied = serializers.IntegerField()
    visited = serializers.IntegerField()
    never = serializers.IntegerField()
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, coerce_to_string=False
    )
    today_planned = serializers.IntegerField()
    today_done = serializers.IntegerField()
    needed_per_day = serializers.IntegerField()
    over_capacity = serializers.BooleanField()
    unassigned = serializers.IntegerField()


class CoverageSerializer(serializers.Serializer):
    """Coverage per estate and per assistant on a day."""

    day = serializers.DateField()
    estates = CoverageRowSerializer(many=True)
    areas = CoverageRowSerializer(many=True)
