"""Serializers of the daily routine: checkpoints, patrol reports and the morning review."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shouwen.api.serializers.base import ScopedPrimaryKeyRelatedField
from shouwen.api.serializers.cases import StaffRefSerializer
from shouwen.cases.models import Case
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Estate
from shouwen.rounds.models import Checkpoint, MorningReview, PatrolItem, PatrolPhoto, PatrolReport


class CheckpointSerializer(serializers.ModelSerializer):
    """A place the patrol looks at every day."""

    class Meta:
        model = Checkpoint
        fields = ["id", "estate", "name", "hint", "public_area", "position", "active"]
        read_only_fields = fields


class PatrolPhotoSerializer(serializers.ModelSerializer):
    """A photo of a finding; ``url`` serves it after checking the reader's estates."""

    name = serializers.CharField(source="original_name", read_only=True)
    type = serializers.CharField(source="content_type", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = PatrolPhoto
        fields = ["id", "item", "name", "type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text=gettext_lazy("下载地址")))
    def get_url(self, obj: PatrolPhoto) -> str:
        return reverse("api:patrol-report-photo-file", args=[obj.report_id, obj.pk])


class PatrolItemSerializer(serializers.ModelSerializer):
    """One checkpoint of a report: normal, or a finding with its photos and the case it became."""

    checkpoint_name = serializers.CharField(source="checkpoint.name", read_only=True)
    case = serializers.CharField(
        source="case.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("事项编号"),
    )
    photos = PatrolPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = PatrolItem
        fields = ["id", "checkpoint", "checkpoint_name", "normal", "finding", "case", "photos"]
        read_only_fields = fields


class PatrolReportSerializer(serializers.ModelSerializer):
    """A day's patrol report: when handed in (late or not), each checkpoint, and who read it when."""

    patroller = StaffRefSerializer(read_only=True)
    read_by = StaffRefSerializer(read_only=True, allow_null=True)
    items = PatrolItemSerializer(many=True, read_only=True)

    class Meta:
        model = PatrolReport
        fields = [
            "id",
            "estate",
            "day",
            "patroller",
            "note",
            "submitted_at",
            "due_at",
            "late",
            "read_by",
            "read_at",
            "items",
        ]
        read_only_fields = fields


class PatrolItemInputSerializer(serializers.Serializer):
    """One checkpoint as reported: normal, or a finding (text), which may need a case at once."""

    checkpoint = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text=gettext_lazy("巡视点"))
    normal = serializers.BooleanField(default=True, help_text=gettext_lazy("正常"))
    finding = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=LONG_TEXT_MAX,
        help_text=gettext_lazy("发现的问题"),
    )
    needs_action = serializers.BooleanField(
        default=False, help_text=gettext_lazy("需要处理：立即登记为公共维修事项")
    )


class PatrolReportCreateSerializer(serializers.Serializer):
    """Hand in a patrol report; photos are added afterwards, one request each."""

    estate = ScopedPrimaryKeyRelatedField(queryset=Estate.objects.all(), help_text=gettext_lazy("小区"))
    day = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("巡视日期（默认今天）")
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=LONG_TEXT_MAX,
        help_text=gettext_lazy("其他情况"),
    )
    items = PatrolItemInputSerializer(many=True, help_text=gettext_lazy("每个巡视点一项"))


class PatrolPhotoUploadSerializer(serializers.Serializer):
    """A photo (JPG, PNG, WebP, GIF, HEIC) or PDF of a finding; its type is checked from its content."""

    item = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text=gettext_lazy("巡视记录"))
    file = serializers.FileField()


class PatrolItemRefSerializer(serializers.Serializer):
    """The finding of the report to act on."""

    item = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text=gettext_lazy("巡视记录"))


class ReviewCaseSerializer(serializers.ModelSerializer):
    """A case listed by the morning review."""

    received_at = serializers.DateTimeField(source="origin.received_at", read_only=True)
    accountable = StaffRefSerializer(read_only=True, allow_null=True)
    next_due_at = serializers.DateTimeField(read_only=True, allow_null=True, default=None)
    overdue = serializers.BooleanField(read_only=True, default=False, help_text=gettext_lazy("有时限已超过"))
    first_answer_due = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("尚未首次答复时，首次答复的期限"),
    )

    class Meta:
        model = Case
        fields = [
            "number",
            "category",
            "status",
            "summary",
            "received_at",
            "accountable",
            "next_due_at",
            "overdue",
            "first_answer_due",
        ]
        read_only_fields = fields


class ReviewVisitSerializer(serializers.Serializer):
    """A return visit waiting to be made (its page is /followups/<id>/)."""

    id = serializers.IntegerField(read_only=True)
    case = serializers.CharField(source="case.number", read_only=True)
    summary = serializers.CharField(source="case.summary", read_only=True)
    due_at = serializers.DateTimeField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)


class MorningReviewSerializer(serializers.ModelSerializer):
    """The mark that the morning review of an estate was done on a day."""

    reviewed_by = StaffRefSerializer(read_only=True)

    class Meta:
        model = MorningReview
        fields = ["id", "estate", "day", "period_start", "period_end", "reviewed_by", "reviewed_at", "note"]
        read_only_fields = fields


class ReviewCountsSerializer(serializers.Serializer):
    registered = serializers.IntegerField()
    unfinished = serializers.IntegerField()
    to_visit = serializers.IntegerField()
    waiting = serializers.IntegerField()
    patrol_reports = serializers.IntegerField()


class ReviewSerializer(serializers.Serializer):
    """The morning review of an estate: the days covered, the counts and the lists (first 100 rows each)."""

    estate = serializers.IntegerField(source="estate.pk")
    day = serializers.DateField()
    period_start = serializers.DateField(source="start")
    period_end = serializers.DateField(source="end")
    counts = serializers.SerializerMethodField()
    registered = ReviewCaseSerializer(many=True)
    unfinished = ReviewCaseSerializer(many=True)
    to_visit = ReviewVisitSerializer(many=True)
    waiting = ReviewCaseSerializer(many=True)
    patrol_reports = serializers.SerializerMethodField()
    done = MorningReviewSerializer(allow_null=True)

    @extend_schema_field(ReviewCountsSerializer)
    def get_counts(self, obj: Any) -> dict[str, int]:
        return {
            "registered": obj.registered_count,
            "unfinished": obj.unfinished_count,
            "to_visit": obj.to_visit_count,
            "waiting": obj.waiting_count,
            "patrol_reports": len(obj.patrols),
        }

    @extend_schema_field(PatrolReportSerializer(many=True))
    def get_patrol_reports(self, obj: Any) -> Any:
        return PatrolReportSerializer(obj.patrols, many=True, context=self.context).data


class ReviewDoneSerializer(serializers.Serializer):
    """Mark the morning review of an estate done (today unless a past day is named)."""

    estate = ScopedPrimaryKeyRelatedField(queryset=Estate.objects.all(), help_text=gettext_lazy("小区"))
    day = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("翻阅日期（默认今天）")
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX, help_text=gettext_lazy("备注")
    )
