"""Serializers of notices: the notice with its counts, writing one, withdrawing, the board, the opt-out."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shouwen.access.masking import mask_phone
from shouwen.api.serializers.base import ScopedPrimaryKeyRelatedField
from shouwen.api.serializers.cases import StaffRefSerializer
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Building, Estate, Resident, Unit
from shouwen.notices.models import Audience, BoardRenewal, Notice, NoticeAttachment, NoticeEvent


class NoticeAttachmentSerializer(serializers.ModelSerializer):
    """A photo or PDF of a notice; ``url`` serves it after checking the reader's estates."""

    name = serializers.CharField(source="original_name", read_only=True)
    type = serializers.CharField(source="content_type", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = NoticeAttachment
        fields = ["id", "name", "type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text=gettext_lazy("下载地址")))
    def get_url(self, obj: NoticeAttachment) -> str:
        return reverse("api:notice-attachment-file", args=[obj.notice_id, obj.pk])


class NoticeEventSerializer(serializers.ModelSerializer):
    by = StaffRefSerializer(read_only=True)

    class Meta:
        model = NoticeEvent
        fields = ["kind", "by", "at", "note", "before"]
        read_only_fields = fields


class NoticeSerializer(serializers.ModelSerializer):
    """A notice with the households it reached, read and unread, and its history."""

    created_by = StaffRefSerializer(read_only=True)
    published_by = StaffRefSerializer(read_only=True, allow_null=True)
    withdrawn_by = StaffRefSerializer(read_only=True, allow_null=True)
    reached = serializers.IntegerField(read_only=True, help_text=gettext_lazy("送达户数"))
    read = serializers.IntegerField(read_only=True, help_text=gettext_lazy("已读户数"))
    unread = serializers.IntegerField(read_only=True, help_text=gettext_lazy("未读户数"))
    sms_sent = serializers.IntegerField(read_only=True, help_text=gettext_lazy("已发送的短信条数"))
    attachments = NoticeAttachmentSerializer(many=True, read_only=True)
    events = NoticeEventSerializer(many=True, read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "estate",
            "title",
            "body",
            "audience",
            "buildings",
            "units",
            "valid_from",
            "valid_until",
            "sms",
            "sms_text",
            "status",
            "created_by",
            "created_at",
            "updated_at",
            "published_by",
            "published_at",
            "withdrawn_by",
            "withdrawn_at",
            "withdraw_reason",
            "reached",
            "read",
            "unread",
            "sms_sent",
            "attachments",
            "events",
        ]
        read_only_fields = fields


class NoticeWriteSerializer(serializers.Serializer):
    """Write a draft (or change one): text, audience, validity, the optional text message."""

    estate = ScopedPrimaryKeyRelatedField(queryset=Estate.objects.all(), help_text=gettext_lazy("小区"))
    title = serializers.CharField(max_length=100)
    body = serializers.CharField(max_length=LONG_TEXT_MAX)
    audience = serializers.ChoiceField(choices=Audience.choices, default=Audience.ESTATE)
    buildings = ScopedPrimaryKeyRelatedField(
        queryset=Building.objects.all(), many=True, required=False, help_text=gettext_lazy("范围为部分楼栋时")
    )
    units = ScopedPrimaryKeyRelatedField(
        queryset=Unit.objects.all(), many=True, required=False, help_text=gettext_lazy("范围为部分房屋时")
    )
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    sms = serializers.BooleanField(default=False, help_text=gettext_lazy("发布时同时发送短信"))
    sms_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text=gettext_lazy("撤回原因"))


class NoticeUploadSerializer(serializers.Serializer):
    """A photo (JPG, PNG, WebP, GIF, HEIC) or PDF; its type is checked from its content."""

    file = serializers.FileField()


class UnreadResidentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    phones = serializers.SerializerMethodField(
        help_text=gettext_lazy("号码（已遮蔽；完整号码请用住户接口的查看号码）")
    )
    sms_opt_out = serializers.BooleanField(source="notice_sms_opt_out")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_phones(self, obj: Resident) -> list[str]:
        return [mask_phone(p.number) for p in obj.phones.all()]


class UnreadHouseholdSerializer(serializers.Serializer):
    """A household that has not read the notice: its home and residents to phone."""

    unit = serializers.IntegerField(source="household.unit_id")
    home = serializers.CharField(source="label", help_text=gettext_lazy("房屋，例如 3栋2单元1502"))
    residents = UnreadResidentSerializer(many=True)
    sms = serializers.SerializerMethodField(help_text=gettext_lazy("本户短信的状态"))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_sms(self, obj: object) -> list[str]:
        return [m.status for m in obj.sms]  # type: ignore[attr-defined]


class BoardRenewalSerializer(serializers.ModelSerializer):
    """A renewal of an estate's bulletin board."""

    renewed_by = StaffRefSerializer(read_only=True)
    estate = ScopedPrimaryKeyRelatedField(queryset=Estate.objects.all(), help_text=gettext_lazy("小区"))
    notices = ScopedPrimaryKeyRelatedField(
        queryset=Notice.objects.all(), many=True, required=False, help_text=gettext_lazy("张贴的通知")
    )

    class Meta:
        model = BoardRenewal
        fields = ["id", "estate", "renewed_by", "renewed_at", "note", "notices"]
        read_only_fields = ["id", "renewed_by", "renewed_at"]


class SmsOptOutSerializer(serializers.Serializer):
    resident = ScopedPrimaryKeyRelatedField(queryset=Resident.objects.all(), help_text=gettext_lazy("住户"))
    opt_out = serializers.BooleanField(help_text=gettext_lazy("true：不接收通知短信"))
