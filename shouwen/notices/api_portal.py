"""The portal API of notices under /api/portal/v1/notices/: the resident's board; opening a notice reads it."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.notices import services
from shouwen.notices.models import Notice
from shouwen.portal.api_auth import PortalView


class PortalNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    estate = serializers.CharField(source="estate.name")
    title = serializers.CharField()
    published_at = serializers.DateTimeField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    read = serializers.BooleanField(help_text="本户是否已阅读")


class PortalNoticeAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    type = serializers.CharField(source="content_type")
    size = serializers.IntegerField()


class PortalNoticeDetailSerializer(PortalNoticeSerializer):
    body = serializers.CharField()
    attachments = PortalNoticeAttachmentSerializer(many=True)


class PortalSmsSettingSerializer(serializers.Serializer):
    opt_out = serializers.BooleanField(help_text="true：不接收通知短信")


def _data(notice: Notice, read: bool) -> Notice:
    notice.read = read  # type: ignore[attr-defined]
    return notice


class NoticeListView(PortalView):
    """The notices on the resident's board (published, valid today, for one of their homes)."""

    @extend_schema(responses={200: PortalNoticeSerializer(many=True)}, tags=["portal"])
    def get(self, request: Request) -> Response:
        """List my notices, newest first (at most 100)."""
        notices = list(services.notices_for_resident(self.resident).select_related("estate")[:100])
        read = services.read_ids(notices, self.resident)
        return Response(PortalNoticeSerializer([_data(n, n.pk in read) for n in notices], many=True).data)


class NoticeDetailView(PortalView):
    """One notice; fetching it counts the resident's household as having read it."""

    @extend_schema(responses={200: PortalNoticeDetailSerializer}, tags=["portal"])
    def get(self, request: Request, pk: int) -> Response:
        """Return the notice and record the reading."""
        notice = services.notices_for_resident(self.resident).filter(pk=pk).select_related("estate").first()
        if notice is None:
            raise Http404
        services.mark_read(notice, self.resident)
        return Response(PortalNoticeDetailSerializer(_data(notice, True)).data)


class SmsSettingView(PortalView):
    """Whether notices also come to the resident by text message."""

    @extend_schema(
        request=PortalSmsSettingSerializer, responses={200: PortalSmsSettingSerializer}, tags=["portal"]
    )
    def post(self, request: Request) -> Response:
        """Set my choice."""
        params = PortalSmsSettingSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        resident = services.set_own_sms_opt_out(self.resident, params.validated_data["opt_out"])
        return Response({"opt_out": resident.notice_sms_opt_out})
