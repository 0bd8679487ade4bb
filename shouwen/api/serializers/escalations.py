"""Escalations (督办) as the API shows them, and the body of handling one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from shouwen.api.serializers.cases import StaffRefSerializer
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.sla.models import Escalation


class EscalationSerializer(serializers.ModelSerializer):
    """One step of the escalation ladder: the case, the deadline, whom it went to, what was done."""

    case = serializers.CharField(source="case.number", read_only=True, help_text=gettext_lazy("事项编号"))
    case_summary = serializers.CharField(source="case.summary", read_only=True)
    deadline_kind = serializers.CharField(source="deadline.kind", read_only=True)
    due_at = serializers.DateTimeField(source="deadline.due_at", read_only=True, allow_null=True)
    target = StaffRefSerializer(read_only=True)
    handled_by = StaffRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "case",
            "case_summary",
            "deadline_kind",
            "due_at",
            "level",
            "target",
            "at",
            "acknowledged_at",
            "handled_at",
            "handled_by",
            "handling",
        ]
        read_only_fields = fields


class HandleEscalationSerializer(serializers.Serializer):
    """What was done about the escalation."""

    note = serializers.CharField(
        max_length=LONG_TEXT_MAX, trim_whitespace=True, help_text=gettext_lazy("处理情况（必填）")
    )
