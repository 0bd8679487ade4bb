"""API viewsets of the property directory, all scoped to the estates the user serves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset
from shouwen.access.services import reveal_personal_data
from shouwen.api.serializers.directory import (
    BuildingSerializer,
    DepartmentSerializer,
    EstateSerializer,
    OccupancySerializer,
    PublicAreaSerializer,
    ResidentSerializer,
    RevealedDataSerializer,
    RevealSerializer,
    StaffSerializer,
    UnitSerializer,
)
from shouwen.api.views.base import ScopedNoDeleteViewSet, ScopedReadOnlyViewSet
from shouwen.core.net import client_ip
from shouwen.directory.models import (
    Building,
    Department,
    Estate,
    Occupancy,
    PublicArea,
    Resident,
    ResidentPhone,
    Staff,
    Unit,
)
from shouwen.directory.search import find_units, parse_unit_shorthand, search_residents

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # typing only: django-stubs-ext is a dev dependency


def _id_param(name: str, description: StrOrPromise) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.QUERY, description=description)


ESTATE_PARAM = _id_param("estate", gettext_lazy("只列出该小区的记录"))
BUILDING_PARAM = _id_param("building", gettext_lazy("只列出该楼栋的记录"))


class EstateViewSet(ScopedReadOnlyViewSet):
    """Estates the user serves."""

    queryset = Estate.objects.all()
    serializer_class = EstateSerializer


@extend_schema_view(list=extend_schema(parameters=[ESTATE_PARAM]))
class BuildingViewSet(ScopedNoDeleteViewSet):
    """Buildings of the user's estates (no deleting)."""

    queryset = Building.objects.select_related("estate")
    serializer_class = BuildingSerializer

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(estate_id=estate)
        return queryset


@extend_schema_view(
    list=extend_schema(
        parameters=[
            ESTATE_PARAM,
            BUILDING_PARAM,
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description=gettext_lazy("房屋简写，例如 3-2-1502"),
            ),
        ]
    )
)
class UnitViewSet(ScopedNoDeleteViewSet):
    """Units of the user's estates, with label (3栋2单元1502) and shorthand (3-2-1502); no deleting."""

    queryset = Unit.objects.select_related("building")
    serializer_class = UnitSerializer

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(building__estate_id=estate)
        building = self.int_param("building")
        if building is not None:
            queryset = queryset.filter(building_id=building)
        query = self.text_param("q")
        if query:
            ref = parse_unit_shorthand(query)
            # A bare room number (1502) is not shorthand but is what people often say first.
            queryset = find_units(queryset, ref) if ref is not None else queryset.filter(number__iexact=query)
        return queryset


@extend_schema_view(
    list=extend_schema(
        parameters=[
            ESTATE_PARAM,
            BUILDING_PARAM,
            OpenApiParameter(
                "kind", OpenApiTypes.STR, OpenApiParameter.QUERY, description=gettext_lazy("类型")
            ),
        ]
    )
)
class PublicAreaViewSet(ScopedNoDeleteViewSet):
    """Public areas and facilities of the user's estates (no deleting: cases refer to them)."""

    queryset = PublicArea.objects.all()
    serializer_class = PublicAreaSerializer

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(estate_id=estate)
        building = self.int_param("building")
        if building is not None:
            queryset = queryset.filter(building_id=building)
        kind = self.text_param("kind")
        if kind:
            queryset = queryset.filter(kind=kind)
        return queryset


@extend_schema_view(
    list=extend_schema(
        parameters=[
            ESTATE_PARAM,
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description=gettext_lazy(
                    "姓名、电话号码、房屋简写（如 3-2-1502）。按电话号码后 4 位以上数字查找仅限可查看完整号码的岗位；"
                    "其他岗位须输入完整号码（不完整时返回 400），每次查找记入个人信息查看记录，每小时有次数上限（超出返回 429）"
                ),
            ),
        ]
    )
)
class ResidentViewSet(ScopedNoDeleteViewSet):
    """Residents of the user's estates; phone and ID numbers are masked, revealing them is logged."""

    queryset = Resident.objects.all()
    serializer_class = ResidentSerializer
    action_caps = {"reveal": Cap.PERSONAL_REVEAL}

    def get_queryset(self) -> QuerySet[Any]:
        # Built per request: "current" occupancies depend on today's date.
        return (
            super()
            .get_queryset()
            .select_related("estate")
            .prefetch_related(
                Prefetch("phones", queryset=ResidentPhone.objects.order_by("pk")),
                Prefetch(
                    "occupancies",
                    queryset=Occupancy.objects.filter(Occupancy.current_q()).select_related("unit__building"),
                    to_attr="current_occupancies_list",
                ),
            )
            .order_by("estate__code", "name", "pk")
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "reveal":
            return RevealSerializer
        return ResidentSerializer

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(estate_id=estate)
        query = self.text_param("q")
        if query:
            queryset = search_residents(queryset, query, self.number_lookup(query))
        return queryset

    @extend_schema(
        request=RevealSerializer,
        responses={200: RevealedDataSerializer},
        description=gettext_lazy("显示住户完整的电话号码或证件号码；每次调用都记入个人信息查看记录。"),
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        """Return a resident's unmasked phone or ID numbers and log who asked."""
        resident = self.get_object()
        params = RevealSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = reveal_personal_data(
            request.user,
            resident,
            list(params.validated_data["fields"]),
            channel="api",
            ip_address=client_ip(request),
            reason=params.validated_data["reason"],
        )
        return Response(RevealedDataSerializer({"resident": resident.pk, **data}).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            ESTATE_PARAM,
            _id_param("resident", gettext_lazy("只列出该住户的记录")),
            _id_param("unit", gettext_lazy("只列出该房屋的记录")),
            OpenApiParameter(
                "current",
                OpenApiTypes.BOOL,
                OpenApiParameter.QUERY,
                description=gettext_lazy("true 只列出未结束的，false 只列出已结束的"),
            ),
        ]
    )
)
class OccupancyViewSet(ScopedNoDeleteViewSet):
    """Who lives in or owns which unit; ending a relation sets end_date, nothing is deleted."""

    queryset = Occupancy.objects.select_related("resident", "unit__building")
    serializer_class = OccupancySerializer

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(unit__building__estate_id=estate)
        resident = self.int_param("resident")
        if resident is not None:
            queryset = queryset.filter(resident_id=resident)
        unit = self.int_param("unit")
        if unit is not None:
            queryset = queryset.filter(unit_id=unit)
        current = self.text_param("current").lower()
        if current in ("true", "1"):
            queryset = queryset.filter(Occupancy.current_q())
        elif current in ("false", "0"):
            queryset = queryset.exclude(Occupancy.current_q())
        return queryset


@extend_schema_view(list=extend_schema(parameters=[ESTATE_PARAM]))
class DepartmentViewSet(ScopedReadOnlyViewSet):
    """Departments of the user's estates' management offices."""

    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(estate_id=estate)
        return queryset


@extend_schema_view(
    list=extend_schema(parameters=[ESTATE_PARAM, _id_param("department", gettext_lazy("只列出该部门的员工"))])
)
class StaffViewSet(ScopedReadOnlyViewSet):
    """Active staff of the user's estates: name, staff number, department, roles and estates only."""

    read_cap = Cap.STAFF_VIEW
    queryset = Staff.objects.filter(is_active=True)
    serializer_class = StaffSerializer

    def get_queryset(self) -> QuerySet[Any]:
        # A colleague's other estates are listed only where the reader may see them too.
        visible_estates = scope_queryset(Estate.objects.all(), self.request.user)
        return (
            super()
            .get_queryset()
            .select_related("department")
            .prefetch_related("roles", Prefetch("estates", queryset=visible_estates))
            .order_by("staff_no")
        )

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(estates__id=estate)
        department = self.int_param("department")
        if department is not None:
            queryset = queryset.filter(department_id=department)
        return queryset
