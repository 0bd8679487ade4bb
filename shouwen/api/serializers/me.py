"""Serializer of the signed-in staff member (GET /api/v1/me/)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from shouwen.api.serializers.directory import EstateSerializer, RoleSerializer


class MeSerializer(serializers.Serializer):
    """The signed-in staff member: who they are, their roles, capabilities and estates."""

    username = serializers.CharField()
    name = serializers.CharField()
    staff_no = serializers.CharField(allow_blank=True)
    department = serializers.IntegerField(allow_null=True)
    department_name = serializers.CharField(allow_null=True)
    company_wide = serializers.BooleanField(help_text=gettext_lazy("是否可查看本公司所有小区"))
    roles = RoleSerializer(many=True)
    capabilities = serializers.ListField(child=serializers.CharField())
    estates = EstateSerializer(many=True, help_text=gettext_lazy("可查看的小区"))
