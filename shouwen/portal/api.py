"""The portal API for residents: who I am, my units, my matters, reporting and following them."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.api.views.cases import IDEMPOTENCY_KEY, Conflict
from shouwen.cases.idempotency import IdempotencyConflict
from shouwen.cases.models import Case
from shouwen.cases.receipt import promised_label
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.followups.models import Satisfaction
from shouwen.portal import queries, services
from shouwen.portal.api_auth import PortalView


class PortalUnitSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    estate = serializers.CharField(source="unit.building.estate.name")
    label = serializers.CharField(source="unit.label")
    role = serializers.CharField()


class PortalMeSerializer(serializers.Serializer):
    resident = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    estate = serializers.CharField(source="estate.name")
    units = PortalUnitSerializer(many=True)


class PortalLineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    title = serializers.CharField()
    text = serializers.CharField()
    mine = serializers.BooleanField()


class PortalCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    summary = serializers.CharField()
    promised = serializers.CharField(help_text="答复期限（本地时间），无期限为空")
    accountable = serializers.CharField(help_text="负责人的姓与工号")
    created_at = serializers.DateTimeField()


class PortalCaseDetailSerializer(PortalCaseSerializer):
    history = PortalLineSerializer(many=True)
    return_visit_open = serializers.BooleanField(help_text="是否等待住户评价")
    cancel_pending = serializers.BooleanField(help_text="是否已申请撤销、等待客服处理")


def case_data(case: Case, detail: bool = False) -> dict[str, object]:
    """Return a case as the resident sees it."""
    data: dict[str, object] = {
        "id": case.pk,
        "number": case.number,
        "category": case.category,
        "category_label": case.get_category_display(),
        "status": case.status,
        "status_label": queries.status_label(case),
        "summary": case.summary,
        "promised": promised_label(case) if case.is_active else "",
        "accountable": queries.accountable_label(case),
        "created_at": case.created_at,
    }
    if detail:
        from shouwen.portal import services

        data["history"] = [line.__dict__ for line in queries.resident_timeline(case)]
        data["return_visit_open"] = services.open_visit(case) is not None
        data["cancel_pending"] = services.pending_cancel(case) is not None
    return data


class MeView(PortalView):
    """The signed-in resident and their current units."""

    @extend_schema(responses={200: PortalMeSerializer}, tags=["portal"])
    def get(self, request: Request) -> Response:
        """Return the resident and their units."""
        resident = self.resident
        resident.units = list(queries.current_occupancies(resident))
        return Response(PortalMeSerializer(resident).data)


class CaseListView(PortalView):
    """The resident's own matters, newest first."""

    @extend_schema(responses={200: PortalCaseSerializer(many=True)}, tags=["portal"])
    def get(self, request: Request) -> Response:
        """List my matters (at most the latest 100)."""
        cases = queries.cases_of(self.resident).order_by("-created_at", "-pk")[:100]
        return Response(PortalCaseSerializer([case_data(c) for c in cases], many=True).data)


class CaseDetailView(PortalView):
    """One of the resident's matters with its history."""

    def get_case(self, pk: int) -> Case:
        case = queries.cases_of(self.resident).filter(pk=pk).first()
        if case is None:
            raise Http404
        return case

    @extend_schema(responses={200: PortalCaseDetailSerializer}, tags=["portal"])
    def get(self, request: Request, pk: int) -> Response:
        """Return the matter with its history as the resident sees it."""
        return Response(PortalCaseDetailSerializer(case_data(self.get_case(pk), detail=True)).data)


class MatterView(PortalView):
    """An action on one of the resident's matters (another household's is "not found")."""

    def get_case(self, pk: int) -> Case:
        try:
            return services.case_of(self.resident, pk)
        except services.NotYours:
            raise Http404 from None

    def answer(self, case: Case) -> Response:
        case.refresh_from_db()
        return Response(PortalCaseDetailSerializer(case_data(case, detail=True)).data)


class PortalReportSerializer(serializers.Serializer):
    category = serializers.ChoiceField(
        choices=[(c.value, c.label) for c in services.REPORT_CATEGORIES], help_text="居家维修、公共维修或投诉"
    )
    content = serializers.CharField(max_length=LONG_TEXT_MAX, help_text="情况描述")
    unit = serializers.IntegerField(required=False, allow_null=True, help_text="我的房屋 id（见 me/）")
    location = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    preferred_time = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="照片（multipart），最多 6 张"
    )


class PortalInformationSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=LONG_TEXT_MAX, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class PortalVisitAnswerSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comments = serializers.CharField(max_length=LONG_TEXT_MAX, required=False, allow_blank=True, default="")


class PortalCancelRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=LONG_TEXT_MAX)


def _body(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    data: Any = request.data
    if hasattr(data, "getlist") and "photos" in request.FILES:
        data = {**data.dict(), "photos": request.FILES.getlist("photos")}
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


class ReportView(CaseListView):
    """List my matters, or report a repair or complaint (photos as multipart)."""

    @extend_schema(
        request={"multipart/form-data": PortalReportSerializer, "application/json": PortalReportSerializer},
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: PortalCaseDetailSerializer,
            200: OpenApiResponse(
                PortalCaseDetailSerializer, description="同一个 Idempotency-Key 的重发：第一次的事项"
            ),
        },
        tags=["portal"],
    )
    def post(self, request: Request) -> Response:
        """Report a repair or a complaint; registered on channel 网站/手机 with the desk on duty."""
        data = _body(PortalReportSerializer, request)
        try:
            case, created = services.report(
                self.resident, key=request.headers.get("Idempotency-Key", ""), **data
            )
        except IdempotencyConflict as error:
            raise Conflict(str(error)) from None
        body = PortalCaseDetailSerializer(case_data(case, detail=True)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class InformationView(MatterView):
    """Add words or photos to an open matter."""

    @extend_schema(
        request={
            "multipart/form-data": PortalInformationSerializer,
            "application/json": PortalInformationSerializer,
        },
        responses={200: PortalCaseDetailSerializer},
        tags=["portal"],
    )
    def post(self, request: Request, pk: int) -> Response:
        """Add information to the matter (the holder is told)."""
        case = self.get_case(pk)
        data = _body(PortalInformationSerializer, request)
        services.add_information(self.resident, case, **data)
        return self.answer(case)


class VisitAnswerView(MatterView):
    """Answer the return visit of a resolved matter."""

    @extend_schema(
        request=PortalVisitAnswerSerializer, responses={200: PortalCaseDetailSerializer}, tags=["portal"]
    )
    def post(self, request: Request, pk: int) -> Response:
        """Record my satisfaction: satisfied closes the matter, unsatisfied sends it back."""
        case = self.get_case(pk)
        services.answer_return_visit(self.resident, case, **_body(PortalVisitAnswerSerializer, request))
        return self.answer(case)


class CancelRequestView(MatterView):
    """Ask the desk to cancel an open matter."""

    @extend_schema(
        request=PortalCancelRequestSerializer, responses={200: PortalCaseDetailSerializer}, tags=["portal"]
    )
    def post(self, request: Request, pk: int) -> Response:
        """Request cancelling (a request the desk decides, not a deletion)."""
        case = self.get_case(pk)
        services.request_cancel(self.resident, case, **_body(PortalCancelRequestSerializer, request))
        return self.answer(case)
