"""The portal API for residents: who I am, my units, my matters, reporting and following them."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.cases.models import Case
from shouwen.cases.receipt import promised_label
from shouwen.portal import queries
from shouwen.portal.api_auth import PortalView


class UnitSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    estate = serializers.CharField(source="unit.building.estate.name")
    label = serializers.CharField(source="unit.label")
    role = serializers.CharField()


class MeSerializer(serializers.Serializer):
    resident = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    estate = serializers.CharField(source="estate.name")
    units = UnitSerializer(many=True)


class LineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    title = serializers.CharField()
    text = serializers.CharField()
    mine = serializers.BooleanField()


class CaseSerializer(serializers.Serializer):
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


class CaseDetailSerializer(CaseSerializer):
    history = LineSerializer(many=True)
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

    @extend_schema(responses={200: MeSerializer}, tags=["portal"])
    def get(self, request: Request) -> Response:
        """Return the resident and their units."""
        resident = self.resident
        resident.units = list(queries.current_occupancies(resident))
        return Response(MeSerializer(resident).data)


class CaseListView(PortalView):
    """The resident's own matters, newest first."""

    @extend_schema(responses={200: CaseSerializer(many=True)}, tags=["portal"])
    def get(self, request: Request) -> Response:
        """List my matters (at most the latest 100)."""
        cases = queries.cases_of(self.resident).order_by("-created_at", "-pk")[:100]
        return Response(CaseSerializer([case_data(c) for c in cases], many=True).data)


class CaseDetailView(PortalView):
    """One of the resident's matters with its history."""

    def get_case(self, pk: int) -> Case:
        case = queries.cases_of(self.resident).filter(pk=pk).first()
        if case is None:
            raise Http404
        return case

    @extend_schema(responses={200: CaseDetailSerializer}, tags=["portal"])
    def get(self, request: Request, pk: int) -> Response:
        """Return the matter with its history as the resident sees it."""
        return Response(CaseDetailSerializer(case_data(self.get_case(pk), detail=True)).data)
