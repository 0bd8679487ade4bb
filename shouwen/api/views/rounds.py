"""API of the daily routine: checkpoints, patrol reports (hand in, photos, cases, reading), the morning review.

Every route calls :mod:`shouwen.rounds.services`, with the capabilities of the pages: patrol reports
with ``patrol.report``, reading them and the morning review with ``rounds.review``.
"""

from __future__ import annotations

from datetime import date
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
from shouwen.api.serializers.rounds import (
    CheckpointSerializer,
    MorningReviewSerializer,
    PatrolItemRefSerializer,
    PatrolPhotoUploadSerializer,
    PatrolReportCreateSerializer,
    PatrolReportSerializer,
    ReviewDoneSerializer,
    ReviewSerializer,
)
from shouwen.api.views.base import ScopedGenericViewSet
from shouwen.api.views.cases import CONFLICT, DENIED, INVALID, Conflict
from shouwen.cases.filters import DATE_MAX, DATE_MIN
from shouwen.directory.models import Staff
from shouwen.rounds import services
from shouwen.rounds.models import Checkpoint, PatrolItem, PatrolReport


def _acting_staff(request: Request) -> Staff:
    staff = staff_of(request.user)
    if staff is None or not staff.is_active:
        raise DjangoPermissionDenied(_("只有在职员工可以使用此功能。"))
    return staff


def _day_param(request: Request, name: str = "day") -> date | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not DATE_MIN <= day <= DATE_MAX or len(raw) != 10:
        raise ValidationError({name: [_("日期格式应为 YYYY-MM-DD")]})
    return day


class _ServiceErrors:
    """Answer a service's validation error with 400."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError(serializers.as_serializer_error(exc))
        return super().handle_exception(exc)  # type: ignore[misc]


ESTATE = OpenApiParameter("estate", OpenApiTypes.INT, description=gettext_lazy("只列出该小区的"))


@extend_schema_view(
    list=extend_schema(parameters=[ESTATE], description=gettext_lazy("所服务小区的巡视点（含已停用的）。"))
)
class CheckpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Patrol checkpoints of the user's estates (edited in the admin)."""

    queryset = Checkpoint.objects.all()
    serializer_class = CheckpointSerializer
    read_cap = Cap.PATROL_REPORT
    write_cap = Cap.PATROL_REPORT

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().order_by("estate", "position", "pk")

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(estate_id=estate)
        return queryset


@extend_schema_view(
    list=extend_schema(
        parameters=[
            ESTATE,
            OpenApiParameter("day", OpenApiTypes.DATE, description=gettext_lazy("巡视日期")),
            OpenApiParameter(
                "unread", OpenApiTypes.BOOL, description=gettext_lazy("true：只列出未审阅的（最早的在前）")
            ),
        ],
        description=gettext_lazy("所服务小区的巡视日报表，最新的在前。"),
    ),
    create=extend_schema(
        request=PatrolReportCreateSerializer,
        responses={201: PatrolReportSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy(
            "提交巡视日报表：每个巡视点一项，正常或发现问题；needs_action 的问题立即登记为公共维修事项。"
            "下班后提交的记为逾时提交。照片随后逐张上传。"
        ),
    ),
)
class PatrolReportViewSet(
    _ServiceErrors,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ScopedGenericViewSet,
):
    """Patrol daily reports of the user's estates."""

    queryset = PatrolReport.objects.all()
    serializer_class = PatrolReportSerializer
    read_cap = Cap.PATROL_REPORT
    write_cap = Cap.PATROL_REPORT
    action_caps = {"read": Cap.ROUNDS_REVIEW}

    def get_queryset(self) -> QuerySet[Any]:
        return services.with_report_columns(super().get_queryset()).order_by("-day", "-submitted_at", "-pk")

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(estate_id=estate)
        day = _day_param(self.request)
        if day is not None:
            queryset = queryset.filter(day=day)
        unread = self.text_param("unread").lower()
        if unread in ("true", "1"):
            queryset = queryset.filter(read_at__isnull=True).order_by("day", "submitted_at", "pk")
        elif unread not in ("", "false", "0"):
            raise ValidationError({"unread": [_("应为 true 或 false")]})
        return queryset

    def _answer(self, report: PatrolReport, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=report.pk)
        return Response(
            PatrolReportSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    def _item(
        self, report: PatrolReport, serializer_class: type[serializers.Serializer]
    ) -> tuple[PatrolItem, Any]:
        params = serializer_class(data=self.request.data)
        params.is_valid(raise_exception=True)
        item = (
            PatrolItem.objects.filter(report=report, pk=params.validated_data["item"])
            .select_related("report__estate", "checkpoint__public_area", "case")
            .first()
        )
        if item is None:
            raise ValidationError({"item": [_("该日报表中没有这一项。")]})
        return item, params.validated_data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = PatrolReportCreateSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        estate = data["estate"]
        checkpoints = {c.pk: c for c in Checkpoint.objects.filter(estate=estate)}
        items = []
        for i, row in enumerate(data["items"]):
            cp = checkpoints.get(row["checkpoint"])
            if cp is None:
                raise ValidationError({"items": [_("第 %(n)s 项不是该小区的巡视点。") % {"n": i + 1}]})
            items.append(
                services.ItemInput(
                    checkpoint=cp,
                    normal=row["normal"],
                    finding=row["finding"],
                    needs_action=row["needs_action"],
                )
            )
        report = services.submit_report(
            _acting_staff(request), estate, items, note=data["note"], day=data["day"]
        )
        return self._answer(report, status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": PatrolPhotoUploadSerializer},
        responses={201: PatrolReportSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy("为发现的问题上传一张照片（已转为事项的，照片同时附在事项上）。"),
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request: Request, pk: str | None = None) -> Response:
        """Add a photo to a finding of the report."""
        report = self.get_object()
        item, data = self._item(report, PatrolPhotoUploadSerializer)
        services.add_photo(_acting_staff(request), item, data["file"])
        return self._answer(report, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("photo_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: OpenApiResponse()},
        description=gettext_lazy("下载巡视照片；只有能查看该日报表的员工可以下载。"),
    )
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>[0-9]+)", url_name="photo-file")
    def photo_file(
        self, request: Request, pk: str | None = None, photo_id: str | None = None
    ) -> FileResponse:
        """Stream a photo after the estate check (media files are never served directly)."""
        report = self.get_object()
        photo = get_object_or_404(report.photos.all(), pk=photo_id)
        try:
            handle = photo.file.open("rb")
        except FileNotFoundError as exc:
            raise NotFound(_("文件已丢失，请联系管理员。")) from exc
        response = FileResponse(handle, content_type=photo.content_type, filename=photo.original_name)
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        request=PatrolItemRefSerializer,
        responses={200: PatrolReportSerializer, 400: INVALID, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy("把一项发现的问题登记为公共维修事项（来源：巡视发现）。"),
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def cases(self, request: Request, pk: str | None = None) -> Response:
        """Register a finding of the report as a public-area case."""
        report = self.get_object()
        item, _data = self._item(report, PatrolItemRefSerializer)
        if item.case_id is not None:
            raise Conflict(_("该问题已转为事项 %(number)s。") % {"number": item.case.number})  # type: ignore[union-attr]
        services.finding_to_case(_acting_staff(request), item)
        return self._answer(report)

    @extend_schema(
        request=None,
        responses={200: PatrolReportSerializer, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy("主管记录已审阅该日报表（审阅人、时间）。"),
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Record the supervisor's reading."""
        report = self.get_object()
        if report.read_at is not None:
            raise Conflict(_("该日报表已审阅。"))
        services.mark_read(_acting_staff(request), report)
        return self._answer(report)


class MorningReviewAPIView(_ServiceErrors, APIView):
    """The morning review (每日翻阅) of one estate; POST marks it done."""

    permission_classes = [HasCapability]
    read_cap = Cap.ROUNDS_REVIEW
    write_cap = Cap.ROUNDS_REVIEW

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "estate", OpenApiTypes.INT, description=gettext_lazy("小区（默认所服务的第一个）")
            ),
            OpenApiParameter("day", OpenApiTypes.DATE, description=gettext_lazy("翻阅日期（默认今天）")),
        ],
        responses={200: ReviewSerializer, 400: INVALID},
        description=gettext_lazy(
            "每日翻阅：翻阅范围为上一个工作日至昨天（周一含周末，节假日后含假期）登记的维修与投诉；"
            "未完成的待跟进，已完成的待回访，尚待答复的住户，以及这几天的巡视日报表。"
        ),
    )
    def get(self, request: Request) -> Response:
        day = _day_param(request)
        try:
            estate = services.pick_estate(request.user, request.query_params.get("estate", "").strip())
        except DjangoPermissionDenied as exc:
            raise NotFound(str(exc)) from exc
        review = services.morning_review(request.user, estate, day)
        return Response(ReviewSerializer(review, context={"request": request}).data)

    @extend_schema(
        request=ReviewDoneSerializer,
        responses={201: MorningReviewSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy("主管记录已完成该小区当天的翻阅（每个小区每天一次）。"),
    )
    def post(self, request: Request) -> Response:
        params = ReviewDoneSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        data = params.validated_data
        done = services.mark_reviewed(_acting_staff(request), data["estate"], data["day"], note=data["note"])
        return Response(MorningReviewSerializer(done).data, status=status.HTTP_201_CREATED)
