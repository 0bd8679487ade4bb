"""API of duty: the roster, who is on duty, handover sheets (write, mark, accept) and the night log.

Same capabilities as the pages: the roster and the night log are read with Cap.DUTY_VIEW, the roster
is edited with Cap.DUTY_MANAGE; the services decide who may mark or accept a sheet.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset
from shouwen.api.serializers.duty import (
    HandoverSheetCreateSerializer,
    HandoverSheetMarkSerializer,
    HandoverSheetSerializer,
    NightHandledSerializer,
    NightLogEntryCreateSerializer,
    NightLogEntrySerializer,
    NightToCaseSerializer,
    RosterEntryCreateSerializer,
    RosterEntrySerializer,
)
from shouwen.api.views.cases import CONFLICT, DENIED, INVALID, CaseServiceViewSet
from shouwen.directory.models import Estate
from shouwen.duty import services
from shouwen.duty.models import HandoverSheet, NightLogEntry, NightStatus, RosterEntry

ESTATE = OpenApiParameter("estate", OpenApiTypes.INT, description=gettext_lazy("只列出该小区的"))


class DutyViewSet(CaseServiceViewSet):
    """Duty endpoints: read with DUTY_VIEW, map service refusals like the case actions."""

    read_cap = Cap.DUTY_VIEW
    write_cap = Cap.DUTY_VIEW

    def filter_estate(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        return queryset.filter(estate_id=estate) if estate is not None else queryset

    def date_param(self, name: str) -> Any:
        raw = self.text_param(name)
        if not raw:
            return None
        try:
            value = parse_date(raw)
        except ValueError:
            value = None
        if value is None:
            raise ValidationError({name: [_("日期格式应为 YYYY-MM-DD")]})
        return value


@extend_schema_view(
    list=extend_schema(
        parameters=[
            ESTATE,
            OpenApiParameter("from", OpenApiTypes.DATE, description=gettext_lazy("日期不早于")),
            OpenApiParameter("to", OpenApiTypes.DATE, description=gettext_lazy("日期不晚于")),
        ],
        description=gettext_lazy("所服务小区的值班表。"),
    ),
    create=extend_schema(
        request=RosterEntryCreateSerializer,
        responses={201: RosterEntrySerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy("排班（主管）：把一名员工排到某日的一个班次。"),
    ),
)
class RosterEntryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    DutyViewSet,
):
    """The roster of the user's estates; supervisors add and remove entries."""

    queryset = RosterEntry.objects.select_related("shift", "staff").order_by("date", "shift__starts", "pk")
    serializer_class = RosterEntrySerializer
    write_cap = Cap.DUTY_MANAGE

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = self.filter_estate(queryset)
        start, end = self.date_param("from"), self.date_param("to")
        if start is not None:
            queryset = queryset.filter(date__gte=start)
        if end is not None:
            queryset = queryset.filter(date__lte=end)
        return queryset

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        p = self.params(RosterEntryCreateSerializer)
        entry = services.add_roster_entry(
            self.acting_staff(), estate=p["estate"], day=p["day"], kind=p["kind"], staff=p["staff"]
        )
        return Response(RosterEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None, 400: INVALID, 403: DENIED},
        description=gettext_lazy("删除排班（主管）；已有交接班记录的班次不能删除。"),
    )
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str | None = None) -> Response:
        """Take the person off the shift."""
        services.remove_roster_entry(self.acting_staff(), self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT, required=True, description=gettext_lazy("小区")),
            OpenApiParameter("at", OpenApiTypes.DATETIME, description=gettext_lazy("时刻（默认现在）")),
        ],
        responses={
            200: RosterEntrySerializer(many=True),
            400: INVALID,
            404: OpenApiResponse(description=gettext_lazy("没有该小区，或您不服务于该小区")),
        },
        description=gettext_lazy("某小区某一时刻（默认现在）当值的人员。"),
    )
    @action(detail=False, methods=["get"], url_path="on-duty", pagination_class=None)
    def on_duty(self, request: Request) -> Response:
        """Who is on duty in the estate at a moment (now by default)."""
        estate_id = self.int_param("estate")
        if estate_id is None:
            raise ValidationError({"estate": [_("请指定小区。")]})
        estate = get_object_or_404(scope_queryset(Estate.objects.all(), request.user), pk=estate_id)
        raw = self.text_param("at")
        at = None
        if raw:
            try:
                at = parse_datetime(raw)
            except ValueError:
                at = None
            if at is None or at.tzinfo is None:
                raise ValidationError({"at": [_("时间格式应为带时区的 ISO 8601")]})
        return Response(RosterEntrySerializer(services.on_duty(estate, at), many=True).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[ESTATE], description=gettext_lazy("本人的交接班记录（主管可见所服务小区的全部）。")
    ),
    create=extend_schema(
        request=HandoverSheetCreateSerializer,
        responses={201: HandoverSheetSerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy(
            "交班：生成本人当前班次的交接班记录（在办事项、待接收转办、下一班到期事项、交接物品）。"
        ),
    ),
)
class HandoverSheetViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, DutyViewSet
):
    """Handover sheets: written by the outgoing person, marked, accepted by the incoming person."""

    queryset = HandoverSheet.objects.select_related("outgoing", "incoming", "entry__shift").prefetch_related(
        "cases__case__accountable", "equipment"
    )
    serializer_class = HandoverSheetSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return services.sheets_for(self.acting_staff(), super().get_queryset())

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return self.filter_estate(queryset)

    def sheet_response(self, sheet: HandoverSheet, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=sheet.pk)
        return Response(HandoverSheetSerializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        p = self.params(HandoverSheetCreateSerializer)
        sheet = services.create_sheet(
            self.acting_staff(), incoming=p["incoming"], estate=p["estate"], notes=p["notes"]
        )
        return self.sheet_response(sheet, status.HTTP_201_CREATED)

    @extend_schema(
        request=HandoverSheetMarkSerializer,
        responses={200: HandoverSheetSerializer, 400: INVALID, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy("交班人勾选交给接班人的事项、清点交接物品、填写交班说明。"),
    )
    @action(detail=True, methods=["post"])
    def mark(self, request: Request, pk: str | None = None) -> Response:
        """Mark which cases pass on, count the equipment, write notes."""
        sheet = self.get_object()
        p = self.params(HandoverSheetMarkSerializer)
        pass_on = None
        if "pass_on" in p:
            numbers = set(p["pass_on"])
            ids = dict(sheet.cases.values_list("case__number", "case_id"))
            unknown = numbers - set(ids)
            if unknown:
                raise ValidationError({"pass_on": [_("所选事项不在这份交接班记录上。")]})
            pass_on = [ids[n] for n in numbers]
        services.mark_sheet(
            self.acting_staff(), sheet, pass_on=pass_on, equipment=p.get("equipment"), notes=p.get("notes")
        )
        return self.sheet_response(sheet)

    @extend_schema(
        request=None,
        responses={200: HandoverSheetSerializer, 400: INVALID, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy(
            "接班人确认接班：记录时间，勾选的事项此刻转由接班人负责（记入各事项经办记录）；"
            "夜班有未处理的夜间值班记录时拒绝。"
        ),
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept the sheet: the marked cases pass to the incoming person now."""
        sheet = self.get_object()
        services.accept_sheet(self.acting_staff(), sheet)
        return self.sheet_response(sheet)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            ESTATE,
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=NightStatus.values, description=gettext_lazy("状态")
            ),
        ],
        description=gettext_lazy("夜间值班记录表。"),
    ),
    create=extend_schema(
        request=NightLogEntryCreateSerializer,
        responses={201: NightLogEntrySerializer, 400: INVALID, 403: DENIED},
        description=gettext_lazy("记入夜间值班记录，次日交接班时立项或答复。"),
    ),
)
class NightLogEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, DutyViewSet
):
    """The night log of the user's estates."""

    queryset = NightLogEntry.objects.select_related("recorded_by", "resolved_by", "contact__case").order_by(
        "-called_at", "-pk"
    )
    serializer_class = NightLogEntrySerializer

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = self.filter_estate(queryset)
        wanted = self.text_param("status")
        if wanted:
            if wanted not in NightStatus.values:
                raise ValidationError({"status": [_("没有这个状态。")]})
            queryset = queryset.filter(status=wanted)
        return queryset

    def entry_response(self, entry: NightLogEntry, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=entry.pk)
        return Response(NightLogEntrySerializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = services.record_night_entry(self.acting_staff(), **self.params(NightLogEntryCreateSerializer))
        return self.entry_response(entry, status.HTTP_201_CREATED)

    @extend_schema(
        request=NightToCaseSerializer,
        responses={200: NightLogEntrySerializer, 400: INVALID, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy("立项：按夜间值班记录登记事项（填写工作单或投诉记录）。"),
    )
    @action(detail=True, methods=["post"], url_path="to-case")
    def to_case(self, request: Request, pk: str | None = None) -> Response:
        """Register the entry as a case."""
        entry = self.get_object()
        services.night_entry_to_case(self.acting_staff(), entry, **self.params(NightToCaseSerializer))
        return self.entry_response(entry)

    @extend_schema(
        request=NightHandledSerializer,
        responses={200: NightLogEntrySerializer, 400: INVALID, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy("记录已处理及给住户的答复。"),
    )
    @action(detail=True, methods=["post"])
    def handled(self, request: Request, pk: str | None = None) -> Response:
        """Record the entry handled with its answer."""
        entry = self.get_object()
        services.night_entry_handled(self.acting_staff(), entry, **self.params(NightHandledSerializer))
        return self.entry_response(entry)
