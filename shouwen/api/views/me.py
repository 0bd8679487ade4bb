"""GET /api/v1/me/: the signed-in staff member, their roles, capabilities and estates."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shouwen.access.roles import ROLES
from shouwen.access.scope import is_company_wide, role_codes, scope_queryset, staff_of
from shouwen.api.serializers.directory import role_list
from shouwen.api.serializers.me import MeSerializer
from shouwen.directory.models import Estate


class MeView(APIView):
    """The signed-in staff member, so a client can show what its user may do."""

    @extend_schema(responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        """Return the signed-in staff member with roles, capabilities and visible estates."""
        user = request.user
        staff = staff_of(user)
        codes = role_codes(user)
        department = staff.department if staff is not None else None
        data = {
            "username": user.get_username(),
            "name": staff.name if staff is not None else user.get_username(),
            "staff_no": staff.staff_no if staff is not None else "",
            "department": department.pk if department is not None else None,
            "department_name": department.name if department is not None else None,
            "company_wide": is_company_wide(user),
            "roles": role_list(codes),
            "capabilities": sorted({cap for code in codes if code in ROLES for cap in ROLES[code].caps}),
            "estates": scope_queryset(Estate.objects.all(), user),
        }
        return Response(MeSerializer(data).data)
