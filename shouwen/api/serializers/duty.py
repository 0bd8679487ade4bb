"""Serializers of duty: roster entries, who is on duty, handover sheets and the night log."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from shouwen.api.serializers.base import ScopedPrimaryKeyRelatedField
from shouwen.api.serializers.cases import StaffRefSerializer
from shouwen.cases.models import Category
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Estate, Staff
from shouwen.duty.models import (
    HandoverSheet,
    NightLogEntry,
    RosterEntry,
    SheetCase,
    SheetEquipment,
    ShiftKind,
)


class RosterEntrySerializer(serializers.ModelSerializer):
    """One person on one shift of a day, with the shift's start and end."""

    staff = StaffRefSerializer(read_only=True)
    shift = serializers.CharField(
        source="shift.kind", read_only=True, help_text=gettext_lazy("day / noon / night")
    )
    shift_display = serializers.CharField(source="shift.get_kind_display", read_only=True)
    starts_at = serializers.SerializerMethodField()
    ends_at = serializers.SerializerMethodField()

    class Meta:
        model = RosterEntry
        fields = ["id", "estate", "date", "shift", "shift_display", "staff", "starts_at", "ends_at"]
        read_only_fields = fields

    def get_starts_at(self, entry: RosterEntry) -> str:
        from shouwen.duty.services import entry_window

        return serializers.DateTimeField().to_representation(entry_window(entry)[0])

    def get_ends_at(self, entry: RosterEntry) -> str:
        from shouwen.duty.services import entry_window

        return serializers.DateTimeField().to_representation(entry_window(entry)[1])


class RosterEntryCreateSerializer(serializers.Serializer):
    """Put a staff member on a shift of a day."""

    estate = ScopedPrimaryKeyRelatedField(queryset=Estate.objects.all())
    day = serializers.DateField(help_text=gettext_lazy("日期（班次开始的那一天）"))
    kind = serializers.ChoiceField(choices=ShiftKind.choices, help_text=gettext_lazy("班次"))
    staff = ScopedPrimaryKeyRelatedField(queryset=Staff.objects.all())


class SheetCaseSerializer(serializers.ModelSerializer):
    """One case on a handover sheet."""

    case = serializers.CharField(source="case.number", read_only=True)
    summary = serializers.CharField(source="case.summary", read_only=True)
    accountable = StaffRefSerializer(source="case.accountable", read_only=True, allow_null=True)

    class Meta:
        model = SheetCase
        fields = [
            "case",
            "summary",
            "section",
            "due_at",
            "due_next_shift",
            "pass_on",
            "accountable",
            "outcome",
        ]
        read_only_fields = fields


class SheetEquipmentSerializer(serializers.ModelSerializer):
    """The count of one tool or piece of equipment."""

    class Meta:
        model = SheetEquipment
        fields = ["id", "name", "expected", "present", "lent", "missing", "note"]
        read_only_fields = fields


class HandoverSheetSerializer(serializers.ModelSerializer):
    """A handover sheet with its cases and equipment."""

    outgoing = StaffRefSerializer(read_only=True)
    incoming = StaffRefSerializer(read_only=True)
    shift = serializers.CharField(source="entry.shift.kind", read_only=True)
    date = serializers.DateField(source="entry.date", read_only=True)
    cases = SheetCaseSerializer(many=True, read_only=True)
    equipment = SheetEquipmentSerializer(many=True, read_only=True)

    class Meta:
        model = HandoverSheet
        fields = [
            "id",
            "estate",
            "date",
            "shift",
            "outgoing",
            "incoming",
            "shift_starts_at",
            "shift_ends_at",
            "accept_by",
            "created_at",
            "status",
            "accepted_at",
            "alerted_at",
            "left_over",
            "notes",
            "cases",
            "equipment",
        ]
        read_only_fields = fields


class HandoverSheetCreateSerializer(serializers.Serializer):
    """Write the handover sheet of one's current shift."""

    estate = ScopedPrimaryKeyRelatedField(queryset=Estate.objects.all())
    incoming = ScopedPrimaryKeyRelatedField(queryset=Staff.objects.all())
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX)


class EquipmentCountSerializer(serializers.Serializer):
    """The count of one equipment row of the sheet."""

    id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    present = serializers.IntegerField(min_value=0, max_value=32767)
    lent = serializers.IntegerField(min_value=0, max_value=32767)
    missing = serializers.IntegerField(min_value=0, max_value=32767)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class HandoverSheetMarkSerializer(serializers.Serializer):
    """The outgoing person's marks: the case numbers that pass on, the equipment counts, the notes."""

    pass_on = serializers.ListField(
        child=serializers.CharField(max_length=30),
        required=False,
        help_text=gettext_lazy("交给接班人的事项编号"),
    )
    equipment = EquipmentCountSerializer(many=True, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=LONG_TEXT_MAX)


class NightLogEntrySerializer(serializers.ModelSerializer):
    """One entry of the night log."""

    recorded_by = StaffRefSerializer(read_only=True)
    resolved_by = StaffRefSerializer(read_only=True, allow_null=True)
    case = serializers.SerializerMethodField()

    class Meta:
        model = NightLogEntry
        fields = [
            "id",
            "estate",
            "called_at",
            "caller_name",
            "place",
            "content",
            "status",
            "case",
            "answer",
            "recorded_by",
            "resolved_by",
            "resolved_at",
        ]
        read_only_fields = fields

    def get_case(self, entry: NightLogEntry) -> str | None:
        case = entry.contact.case if entry.contact is not None else None
        return case.number if case is not None else None


class NightLogEntryCreateSerializer(serializers.Serializer):
    """A night call written in the night log, to be settled at the morning handover."""

    estate = ScopedPrimaryKeyRelatedField(queryset=Estate.objects.all())
    content = serializers.CharField(max_length=LONG_TEXT_MAX)
    called_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    caller_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    caller_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    place = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class NightToCaseSerializer(serializers.Serializer):
    """Register the entry as a case of a category."""

    category = serializers.ChoiceField(choices=Category.choices)


class NightHandledSerializer(serializers.Serializer):
    """Record the entry handled, with the answer given."""

    answer = serializers.CharField(max_length=LONG_TEXT_MAX)
