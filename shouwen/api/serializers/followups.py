"""Serializers of return visits: a visit with its attempts (GET) and the two requests that record one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shouwen.access.masking import mask_phone
from shouwen.api.serializers.cases import StaffRefSerializer
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.followups.models import (
    AttemptOutcome,
    ReturnVisit,
    ReturnVisitAttempt,
    Satisfaction,
    VisitChannel,
)
from shouwen.followups.queries import phone_to_call


class ReturnVisitAttemptSerializer(serializers.ModelSerializer):
    """A call that did not reach the resident."""

    by = StaffRefSerializer(read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = ReturnVisitAttempt
        fields = ["at", "by", "outcome", "outcome_display", "note"]
        read_only_fields = fields


class ReturnVisitSerializer(serializers.ModelSerializer):
    """A return visit: which case and round, when due, the attempts so far and the recorded result."""

    case = serializers.CharField(source="case.number", read_only=True, help_text=gettext_lazy("事项编号"))
    case_status = serializers.CharField(source="case.status", read_only=True)
    category = serializers.CharField(source="case.category", read_only=True)
    summary = serializers.CharField(source="case.summary", read_only=True)
    estate = serializers.IntegerField(source="case.estate_id", read_only=True)
    resident_name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    accountable = StaffRefSerializer(source="case.accountable", read_only=True, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    visitor = StaffRefSerializer(read_only=True, allow_null=True)
    satisfaction_display = serializers.CharField(source="get_satisfaction_display", read_only=True)
    attempt_records = ReturnVisitAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = ReturnVisit
        fields = [
            "id",
            "case",
            "case_status",
            "category",
            "summary",
            "estate",
            "resident_name",
            "phone",
            "accountable",
            "round",
            "created_at",
            "due_at",
            "is_overdue",
            "status",
            "status_display",
            "attempts",
            "last_attempt_at",
            "attempt_records",
            "visitor",
            "visited_at",
            "channel",
            "satisfaction",
            "satisfaction_display",
            "comments",
            "by_resolver",
            "by_resolver_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text=gettext_lazy("住户或来电人姓名")))
    def get_resident_name(self, obj: ReturnVisit) -> str:
        """Return the resident's name, else the caller's."""
        case = obj.case
        return case.resident.name if case.resident is not None else case.origin.caller_name

    @extend_schema_field(
        serializers.CharField(
            help_text=gettext_lazy("回访电话（已隐藏中间四位；完整号码在住户接口查看并记录）")
        )
    )
    def get_phone(self, obj: ReturnVisit) -> str:
        """Return the number to call back, masked."""
        return mask_phone(phone_to_call(obj))


class RecordReturnVisitSerializer(serializers.Serializer):
    """The result of a visit: satisfied closes the case, unsatisfied reopens it to its holder."""

    channel = serializers.ChoiceField(choices=VisitChannel.choices, help_text=gettext_lazy("回访方式"))
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, help_text=gettext_lazy("满意度"))
    comments = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=LONG_TEXT_MAX,
        help_text=gettext_lazy("住户意见（不满意时必填）"),
    )
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text=gettext_lazy(
            "处理过该事项的人不能回访；主管确需本人回访时填写原因（该回访将标记为处理人本人回访）"
        ),
    )


class NoAnswerSerializer(serializers.Serializer):
    """A call that reached nobody; the visit stays pending."""

    outcome = serializers.ChoiceField(
        choices=AttemptOutcome.choices, default=AttemptOutcome.NO_ANSWER, help_text=gettext_lazy("未接通原因")
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, help_text=gettext_lazy("说明")
    )
