"""API of notices under /api/v1/notices/: writing, publishing, withdrawing, attachments, unread households, the board.

Every route calls :mod:`shouwen.notices.services`, with the capabilities of the pages: reading with
``notice.view``, writing with ``notice.write``, publishing with ``notice.publish``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shouwen.access.permissions import HasCapability
from shouwen.access.roles import Cap
from shouwen.access.scope import staff_of
from shouwen.api.parsers import FormParser, JSONParser, MultiPartParser
from shouwen.api.serializers.notices import (
    BoardRenewalSerializer,
    NoticeSerializer,
    NoticeUploadSerializer,
    NoticeWriteSerializer,
    SmsOptOutSerializer,
    UnreadHouseholdSerializer,
    WithdrawSerializer,
)
from shouwen.api.views.base import ScopedGenericViewSet
from shouwen.api.views.cases import CONFLICT, DENIED, IDEMPOTENCY_KEY, INVALID, Conflict
from shouwen.directory.models import Staff
from shouwen.notices import services
from shouwen.notices.models import BoardRenewal, Notice, NoticeStatus


def _acting_staff(request: Request) -> Staff:
    staff = staff_of(request.user)
    if staff is None or not staff.is_active:
        raise DjangoPermissionDenied(_("只有在职员工可以使用此功能。"))
    return staff


class _ServiceErrors:
    """Answer a service's validation error with 400."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError(serializers.as_serializer_error(exc))
        return super().handle_exception(exc)  # type: ignore[misc]


def _input(data: dict[str, Any]) -> services.NoticeInput:
    return services.NoticeInput(
        title=data["title"],
        body=data["body"],
        valid_from=data["valid_from"],
        valid_until=data.get("valid_until"),
        audience=data["audience"],
        buildings=list(data.get("buildings") or []),
        units=list(data.get("units") or []),
        sms=data["sms"],
        sms_text=data["sms_text"],
    )


ESTATE = OpenApiParameter("estate", OpenApiTypes.INT, description=gettext_lazy("只列出该小区的"))
STATUS = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=NoticeStatus.values, description=gettext_lazy("只列出该状态的")
)


@extend_schema_view(
    list=extend_schema(
        parameters=[ESTATE, STATUS],
        description=gettext_lazy("所服务小区的通知，最新的在前，含送达、已读、未读户数。"),
    ),
    create=extend_schema(
        request=NoticeWriteSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: NoticeSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy(
            "拟写通知草稿：范围为全小区、部分楼栋或部分房屋，有效期，是否同时发送短信（短信连同签名和链接不得超过上限）。"
            "同一 Idempotency-Key 再次提交返回第一次的草稿。"
        ),
    ),
    partial_update=extend_schema(
        request=NoticeWriteSerializer,
        responses={200: NoticeSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy("修改草稿（需提交完整内容）；已发布的通知不能修改。"),
    ),
)
class NoticeViewSet(
    _ServiceErrors,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ScopedGenericViewSet,
):
    """Notices of the user's estates; never deleted (withdrawn instead)."""

    queryset = Notice.objects.all()
    serializer_class = NoticeSerializer
    read_cap = Cap.NOTICE_VIEW
    write_cap = Cap.NOTICE_WRITE
    action_caps = {"publish": Cap.NOTICE_PUBLISH}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        return (
            services.with_counts(super().get_queryset())
            .select_related("created_by", "published_by", "withdrawn_by")
            .prefetch_related("attachments", "events__by", "buildings", "units")
            .order_by("-created_at", "-pk")
        )

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(estate_id=estate)
        wanted = self.text_param("status")
        if wanted:
            if wanted not in NoticeStatus.values:
                raise ValidationError({"status": [_("没有该状态。")]})
            queryset = queryset.filter(status=wanted)
        return queryset

    def _answer(self, notice: Notice, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=notice.pk)
        return Response(NoticeSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = NoticeWriteSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "")
        if len(key) > 100:
            raise ValidationError({"Idempotency-Key": [_("Idempotency-Key 不能超过 100 个字符。")]})
        notice = services.create_draft(
            _acting_staff(request),
            params.validated_data["estate"],
            _input(params.validated_data),
            idempotency_key=key,
        )
        return self._answer(notice, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        notice = self.get_object()
        params = NoticeWriteSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        if params.validated_data["estate"].pk != notice.estate_id:
            raise ValidationError({"estate": [_("通知所属的小区不能更改。")]})
        services.update_draft(_acting_staff(request), notice, _input(params.validated_data))
        return self._answer(notice)

    @extend_schema(
        request=None,
        responses={200: NoticeSerializer, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy("客服主管发布草稿：确定送达的住户，需要时为每个手机号码排队发送一条短信。"),
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish the draft."""
        notice = self.get_object()
        if notice.status != NoticeStatus.DRAFT:
            raise Conflict(_("该通知已%(status)s，不能再发布。") % {"status": notice.get_status_display()})
        services.publish(_acting_staff(request), notice)
        return self._answer(notice)

    @extend_schema(
        request=WithdrawSerializer,
        responses={200: NoticeSerializer, 400: INVALID, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy(
            "撤回通知（已发布的由客服主管撤回）；未发出的短信随之取消。通知不会被删除。"
        ),
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw the notice with a reason."""
        notice = self.get_object()
        if notice.status == NoticeStatus.WITHDRAWN:
            raise Conflict(_("该通知已撤回。"))
        params = WithdrawSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.withdraw(_acting_staff(request), notice, reason=params.validated_data["reason"])
        return self._answer(notice)

    @extend_schema(
        request={"multipart/form-data": NoticeUploadSerializer},
        responses={201: NoticeSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy("给草稿上传一张图片或一个 PDF（按文件内容检查类型）。"),
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request: Request, pk: str | None = None) -> Response:
        """Attach a file to the draft."""
        notice = self.get_object()
        params = NoticeUploadSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.add_attachment(_acting_staff(request), notice, params.validated_data["file"])
        return self._answer(notice, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: OpenApiResponse()},
        description=gettext_lazy("下载通知的附件。"),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        url_name="attachment-file",
    )
    def attachment_file(
        self, request: Request, pk: str | None = None, attachment_id: str | None = None
    ) -> FileResponse:
        """Stream an attachment after the estate check."""
        notice = self.get_object()
        attachment = get_object_or_404(notice.attachments.all(), pk=attachment_id)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise NotFound(_("文件已丢失，请联系管理员。")) from exc
        response = FileResponse(
            handle, content_type=attachment.content_type, filename=attachment.original_name
        )
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        responses={200: UnreadHouseholdSerializer(many=True)},
        description=gettext_lazy(
            "尚未阅读的住户（电话告知用）；号码已遮蔽，完整号码请用住户的查看号码接口（留有记录）。"
        ),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="unread-households",
        url_name="unread-households",
        pagination_class=None,  # every unread household: the list to phone
    )
    def unread_households(self, request: Request, pk: str | None = None) -> Response:
        """The households that have not read the notice."""
        notice = self.get_object()
        return Response(UnreadHouseholdSerializer(services.unread_households(notice), many=True).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[ESTATE], description=gettext_lazy("所服务小区宣传栏的更换记录，最新的在前。")
    ),
    create=extend_schema(
        responses={201: BoardRenewalSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy("记录宣传栏已更换（每两周一次；超过 14 天未更换，系统提醒客服主管）。"),
    ),
)
class BoardRenewalViewSet(
    _ServiceErrors,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ScopedGenericViewSet,
):
    """Renewals of the estates' bulletin boards."""

    queryset = BoardRenewal.objects.all()
    serializer_class = BoardRenewalSerializer
    read_cap = Cap.NOTICE_VIEW
    write_cap = Cap.NOTICE_WRITE

    def get_queryset(self) -> QuerySet[Any]:
        return (
            super()
            .get_queryset()
            .select_related("renewed_by")
            .prefetch_related("notices")
            .order_by("-renewed_at", "-pk")
        )

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        return queryset.filter(estate_id=estate) if estate is not None else queryset

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = BoardRenewalSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        renewal = services.renew_board(
            _acting_staff(request), data["estate"], note=data.get("note", ""), notices=data.get("notices", [])
        )
        fresh = self.get_queryset().get(pk=renewal.pk)
        return Response(BoardRenewalSerializer(fresh, context=self.get_serializer_context()).data, status=201)


class SmsOptOutAPIView(_ServiceErrors, APIView):
    """Record that a resident does or does not want notices by text message."""

    permission_classes = [HasCapability]
    read_cap = Cap.NOTICE_WRITE
    write_cap = Cap.NOTICE_WRITE

    @extend_schema(
        request=SmsOptOutSerializer,
        responses={200: SmsOptOutSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy("设置住户是否接收通知短信（记入住户的修改记录）。"),
    )
    def post(self, request: Request) -> Response:
        params = SmsOptOutSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        resident = services.set_sms_opt_out(
            _acting_staff(request), params.validated_data["resident"], params.validated_data["opt_out"]
        )
        return Response({"resident": resident.pk, "opt_out": resident.notice_sms_opt_out})
