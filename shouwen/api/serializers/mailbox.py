"""E-mails received and sent through the estates' mailboxes, addresses masked unless the reader may see them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shouwen.access.masking import mask_email
from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.api.serializers.cases import StaffRefSerializer
from shouwen.cases.models import Case
from shouwen.mailbox.models import MailMessage


class MailAttachmentSerializer(serializers.Serializer[Any]):
    """One attached file: kept on the case (``attachment`` is its id) or refused with the reason."""

    name = serializers.CharField()
    size = serializers.IntegerField()
    saved = serializers.BooleanField()
    attachment = serializers.IntegerField(required=False)
    reason = serializers.CharField(required=False)


class MailMessageSerializer(serializers.ModelSerializer[MailMessage]):
    """One e-mail: received (registered, joined to a case, or kept unregistered and why) or sent."""

    case: serializers.SlugRelatedField[Case] = serializers.SlugRelatedField(
        slug_field="number", read_only=True
    )
    author = StaffRefSerializer(read_only=True)
    from_address = serializers.SerializerMethodField()
    to_addresses = serializers.SerializerMethodField()
    attachments = MailAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = MailMessage
        fields = [
            "id",
            "direction",
            "status",
            "reason",
            "message_id",
            "in_reply_to",
            "subject",
            "from_name",
            "from_address",
            "to_addresses",
            "sent_at",
            "created_at",
            "text",
            "html_only",
            "attachments",
            "case",
            "contact",
            "author",
        ]
        read_only_fields = fields

    def _shown(self, address: str) -> str:
        request = self.context.get("request")
        if request is not None and can(request.user, Cap.PERSONAL_REVEAL):
            return address
        return ", ".join(mask_email(a.strip()) for a in address.split(",") if a.strip())

    @extend_schema_field(serializers.CharField())
    def get_from_address(self, obj: MailMessage) -> str:
        return self._shown(obj.from_address)

    @extend_schema_field(serializers.CharField())
    def get_to_addresses(self, obj: MailMessage) -> str:
        return self._shown(obj.to_addresses)
