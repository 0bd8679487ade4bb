"""API of work orders and the price list: read them, open one, and take each step through its service.

Every change goes through one function of :mod:`shouwen.workorders.services`; refusals become
CaseActionDenied → 403, ValidationError → 400, WorkOrderConflict → 409. Nothing is deleted.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.access.permissions import HasCapability
from shouwen.access.roles import Cap
from shouwen.access.scope import staff_of
from shouwen.api.actions import Result, install_actions
from shouwen.api.serializers import workorders as s
from shouwen.api.views.base import ScopedGenericViewSet
from shouwen.api.views.cases import Conflict, _choice_param
from shouwen.directory.models import Staff
from shouwen.workorders import services, transitions
from shouwen.workorders.models import (
    Material,
    State,
    Trade,
    WorkOrder,
    WorkOrderMaterial,
    WorkOrderTechnician,
)

DENIED = OpenApiResponse(description=gettext_lazy("现在不能对该工作单执行此操作"))
INVALID = OpenApiResponse(description=gettext_lazy("请求内容不完整或不正确"))
CONFLICT = OpenApiResponse(description=gettext_lazy("工作单已被他人更新"))
STEP = {200: s.WorkOrderDetailSerializer, 400: INVALID, 403: DENIED, 409: CONFLICT}
CREATED = {201: s.WorkOrderDetailSerializer, 400: INVALID, 403: DENIED, 409: CONFLICT}


def _with_order_file(queryset: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """Load what the work order shows in a fixed number of queries."""
    return queryset.select_related(
        "case__estate",
        "case__unit__building",
        "case__public_area",
        "case__origin",
        "case__accountable",
        "created_by",
        "rework_of",
    ).prefetch_related(
        Prefetch(
            "crew",
            queryset=WorkOrderTechnician.objects.filter(removed_at__isnull=True)
            .select_related("staff")
            .order_by("position", "pk"),
            to_attr="current_crew",
        ),
        Prefetch("materials", queryset=WorkOrderMaterial.objects.order_by("added_at", "pk")),
        "photos",
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=State.values, description=gettext_lazy("状态")),
            OpenApiParameter("trade", OpenApiTypes.STR, enum=Trade.values, description=gettext_lazy("工种")),
            OpenApiParameter("case", OpenApiTypes.STR, description=gettext_lazy("事项编号")),
            OpenApiParameter("estate", OpenApiTypes.INT, description=gettext_lazy("只列出该小区的工作单")),
            OpenApiParameter("mine", OpenApiTypes.BOOL, description=gettext_lazy("true 只列出派给我的")),
        ]
    ),
    retrieve=extend_schema(
        description=gettext_lazy("工作单全貌：方案、责任、费用明细、签字、收费和当前可执行的操作。")
    ),
)
class WorkOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Work orders of the user's estates, by number; they change only through the actions."""

    queryset = WorkOrder.objects.all()
    serializer_class = s.WorkOrderDetailSerializer
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    read_cap = Cap.WORKORDER_VIEW
    # Who may take which step is the transition table's business; seeing the order is enough to ask.
    write_cap = Cap.WORKORDER_VIEW

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        return _with_order_file(queryset).order_by("-created_at", "-pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "list":
            return s.WorkOrderListSerializer
        return s.WorkOrderDetailSerializer

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        state = _choice_param(self, "state", State.values)
        if state:
            queryset = queryset.filter(state=state)
        trade = _choice_param(self, "trade", Trade.values)
        if trade:
            queryset = queryset.filter(trade=trade)
        case = self.text_param("case")
        if case:
            queryset = queryset.filter(case__number=case)
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(case__estate_id=estate)
        if self.text_param("mine").lower() in ("1", "true", "yes"):
            staff = staff_of(self.request.user)
            queryset = (
                queryset.filter(crew__staff=staff, crew__removed_at__isnull=True)
                if staff
                else queryset.none()
            )
        return queryset

    def handle_exception(self, exc: Exception) -> Response:
        """Answer a service's validation error with 400 and a conflict with 409, with its message."""
        if isinstance(exc, DjangoValidationError):
            exc = serializers.ValidationError(serializers.as_serializer_error(exc))
        elif isinstance(exc, services.WorkOrderConflict):
            exc = Conflict(str(exc))
        return super().handle_exception(exc)

    def acting_staff(self) -> Staff:
        """Return the signed-in staff member, who is the actor of every service call."""
        staff = staff_of(self.request.user)
        if staff is None or not staff.is_active:
            raise PermissionDenied(_("只有在职员工才能办理工作单。"))
        return staff

    def params(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        """Return the validated body of an action request (ids already scoped to the user's estates)."""
        params = serializer_class(data=self.request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)

    def order_data(self, order: WorkOrder) -> Any:
        """Return the work order as it is after an action."""
        fresh = get_object_or_404(_with_order_file(WorkOrder.objects.filter(pk=order.pk)), pk=order.pk)
        return s.WorkOrderDetailSerializer(fresh, context=self.get_serializer_context()).data

    def order_response(self, order: WorkOrder, code: int = status.HTTP_200_OK) -> Response:
        """Return the work order as it is after the action."""
        return Response(self.order_data(order), status=code)

    def step(
        self, function: Any, serializer_class: type[serializers.Serializer] = s.VersionSerializer
    ) -> Response:
        """Call one step's service with the request's body and answer with the order."""
        order = self.get_object()
        result = function(self.acting_staff(), order, **self.params(serializer_class))
        return self.order_response(result if isinstance(result, WorkOrder) else order)

    @extend_schema(request=s.WorkOrderCreateSerializer, responses=CREATED)
    def create(self, request: Request) -> Response:
        """Open a work order for an active repair case and notify the technicians sent."""
        params = self.params(s.WorkOrderCreateSerializer)
        case = params.pop("case")
        order = services.create_work_order(self.acting_staff(), case, **params)
        return self.order_response(order, status.HTTP_201_CREATED)


# Every row of the work-order table becomes POST /api/v1/work-orders/{number}/<path>/.
install_actions(
    WorkOrderViewSet,
    transitions.TABLE,
    {
        "target": Result(s.WorkOrderDetailSerializer, lambda view, order, _value: view.order_data(order)),
        "created": Result(
            s.WorkOrderDetailSerializer, lambda view, order, _value: view.order_data(order), 201
        ),
        "new_order": Result(s.WorkOrderDetailSerializer, lambda view, _order, new: view.order_data(new), 201),
    },
    Cap.WORKORDER_VIEW,
)


class MaterialViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Material]):
    """The materials price list in use (one list for the company; edited in the admin)."""

    queryset = Material.objects.filter(active=True).order_by("name", "spec")
    serializer_class = s.MaterialSerializer
    permission_classes = [HasCapability]
    read_cap = Cap.WORKORDER_VIEW
    write_cap = Cap.WORKORDER_MANAGE
