"""Serializers of the property directory: estates, buildings, units, residents, staff."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shouwen.access.masking import mask_id_number, mask_phone
from shouwen.access.models import PersonalDataAccess
from shouwen.access.roles import ROLES
from shouwen.api.serializers.base import ScopedModelSerializer
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import (
    Building,
    Department,
    Estate,
    Occupancy,
    OccupancyRole,
    PublicArea,
    Resident,
    Staff,
    Unit,
)
from shouwen.directory.phones import validate_phone
from shouwen.directory.services import check_resident_texts, create_resident, set_resident_phones


class EstateSerializer(ScopedModelSerializer):
    """An estate (小区/项目)."""

    class Meta:
        model = Estate
        fields = ["id", "code", "name", "address"]
        read_only_fields = fields


class BuildingSerializer(ScopedModelSerializer):
    """A building of an estate."""

    estate_name = serializers.CharField(source="estate.name", read_only=True)
    immutable_fields = ("estate",)

    class Meta:
        model = Building
        fields = ["id", "estate", "estate_name", "code", "name", "floors", "entrances"]


class UnitSerializer(ScopedModelSerializer):
    """A unit (房屋) with the label and shorthand people use for it."""

    estate = serializers.IntegerField(source="building.estate_id", read_only=True)
    # Serializer.label is the field's own caption; DRF's metaclass takes declared fields out first.
    label = serializers.CharField(read_only=True, help_text=gettext_lazy("例如 3栋2单元1502"))  # type: ignore[assignment]
    shorthand = serializers.CharField(read_only=True, help_text=gettext_lazy("例如 3-2-1502"))
    immutable_fields = ("building",)

    class Meta:
        model = Unit
        fields = [
            "id",
            "estate",
            "building",
            "entrance",
            "number",
            "floor",
            "kind",
            "area",
            "handover_date",
            "label",
            "shorthand",
        ]


class PublicAreaSerializer(ScopedModelSerializer):
    """A public area or facility of an estate."""

    immutable_fields = ("estate",)

    class Meta:
        model = PublicArea
        fields = ["id", "estate", "building", "kind", "name", "in_service_date"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        estate = attrs.get("estate") or getattr(self.instance, "estate", None)
        building = attrs["building"] if "building" in attrs else getattr(self.instance, "building", None)
        if building is not None and estate is not None and building.estate_id != estate.pk:
            raise serializers.ValidationError({"building": [_("所在楼栋不属于该小区")]})
        return attrs


class CurrentUnitSerializer(serializers.Serializer):
    """A unit a resident currently occupies, and in what role."""

    unit = serializers.IntegerField(source="unit_id")
    label = serializers.CharField(source="unit.label")  # type: ignore[assignment]
    shorthand = serializers.CharField(source="unit.shorthand")
    role = serializers.ChoiceField(choices=OccupancyRole.choices)


class ResidentSerializer(ScopedModelSerializer):
    """A resident; phone and ID numbers are only ever shown masked (revealing is a separate, logged call)."""

    estate_name = serializers.CharField(source="estate.name", read_only=True)
    phones = serializers.ListField(
        child=serializers.CharField(max_length=30),
        write_only=True,
        required=False,
        help_text=gettext_lazy(
            "电话号码列表；修改时给出的列表替换原有号码（不再列出的号码标为停用，保留在修改记录中）"
        ),
    )
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=30)
    phones_masked = serializers.SerializerMethodField()
    id_number_masked = serializers.SerializerMethodField()
    current_units = serializers.SerializerMethodField()
    immutable_fields = ("estate",)

    class Meta:
        model = Resident
        fields = [
            "id",
            "estate",
            "estate_name",
            "kind",
            "name",
            "phones",
            "phones_masked",
            "id_number",
            "id_number_masked",
            "notes",
            "current_units",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"notes": {"max_length": LONG_TEXT_MAX}}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_phones_masked(self, obj: Resident) -> list[str]:
        """Return the resident's phone numbers, masked (138****5678)."""
        return [mask_phone(p.number) for p in obj.phones.all()]

    @extend_schema_field(serializers.CharField())
    def get_id_number_masked(self, obj: Resident) -> str:
        """Return the resident's ID number, masked."""
        return mask_id_number(obj.id_number)

    @extend_schema_field(CurrentUnitSerializer(many=True))
    def get_current_units(self, obj: Resident) -> list[dict[str, Any]]:
        """Return the units the resident occupies now (prefetched by the list and detail views)."""
        occupancies = getattr(obj, "current_occupancies_list", None)
        if occupancies is None:
            occupancies = list(obj.current_occupancies())
        return list(CurrentUnitSerializer(occupancies, many=True).data)

    def validate_phones(self, value: list[str]) -> list[str]:
        """Normalise each number; reject the list with every bad number named."""
        numbers: list[str] = []
        errors: list[str] = []
        for raw in value:
            try:
                number = validate_phone(raw)
            except DjangoValidationError as exc:
                errors.extend(exc.messages)
                continue
            if number not in numbers:  # the same number twice is one number
                numbers.append(number)
        if errors:
            raise serializers.ValidationError(errors)
        return numbers

    def validate_id_number(self, value: str) -> str:
        """Strip spaces and upper-case the check letter (X) of an ID number."""
        return value.replace(" ", "").upper()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Apply the directory's text limits (the same for a new resident and a change)."""
        attrs = super().validate(attrs)
        try:
            check_resident_texts(**{k: attrs[k] for k in ("name", "id_number", "notes") if k in attrs})
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Resident:
        return create_resident(
            estate=validated_data["estate"],
            name=validated_data["name"],
            phones=validated_data.get("phones", ()),
            id_number=validated_data.get("id_number", ""),
            kind=validated_data.get("kind", Resident._meta.get_field("kind").default),
            notes=validated_data.get("notes", ""),
        )

    @transaction.atomic
    def update(self, instance: Resident, validated_data: dict[str, Any]) -> Resident:
        phones = validated_data.pop("phones", None)
        instance = super().update(instance, validated_data)
        if phones is not None:
            # Numbers no longer listed are ended (kept with their end time), never deleted.
            set_resident_phones(instance, phones)
        return instance


class RevealSerializer(serializers.Serializer):
    """What to reveal of a resident, and why (the reason goes into the access log)."""

    # The request body names this "fields"; DRF's metaclass removes declared fields from the class,
    # so Serializer.fields (the bound field dict) is not shadowed at run time.
    fields = serializers.ListField(  # type: ignore[assignment]
        child=serializers.ChoiceField(choices=PersonalDataAccess.Field.choices),
        allow_empty=False,
        required=False,
        default=[PersonalDataAccess.Field.PHONE, PersonalDataAccess.Field.ID_NUMBER],
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RevealedDataSerializer(serializers.Serializer):
    """A resident's unmasked data; only the fields asked for are present."""

    resident = serializers.IntegerField()
    phones = serializers.ListField(child=serializers.CharField(), required=False)
    id_number = serializers.CharField(required=False)


class OccupancySerializer(ScopedModelSerializer):
    """A resident's relation to a unit; ending it means setting ``end_date``, never deleting it."""

    resident_name = serializers.CharField(source="resident.name", read_only=True)
    unit_label = serializers.CharField(source="unit.label", read_only=True)
    is_current = serializers.SerializerMethodField()
    immutable_fields = ("resident", "unit")

    class Meta:
        model = Occupancy
        fields = [
            "id",
            "resident",
            "resident_name",
            "unit",
            "unit_label",
            "role",
            "start_date",
            "end_date",
            "is_current",
        ]

    @extend_schema_field(serializers.BooleanField())
    def get_is_current(self, obj: Occupancy) -> bool:
        """Return whether the occupancy has not ended yet."""
        return obj.end_date is None or obj.end_date >= timezone.localdate()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs["start_date"] if "start_date" in attrs else getattr(self.instance, "start_date", None)
        end = attrs["end_date"] if "end_date" in attrs else getattr(self.instance, "end_date", None)
        if start is not None and end is not None and end < start:
            raise serializers.ValidationError({"end_date": [_("结束日期不能早于开始日期")]})
        attrs = super().validate(attrs)
        resident = attrs.get("resident")
        unit = attrs.get("unit")
        if resident is not None and unit is not None and resident.estate_id != unit.building.estate_id:
            raise serializers.ValidationError({"unit": [_("住户与房屋不属于同一小区")]})
        return attrs


class DepartmentSerializer(ScopedModelSerializer):
    """A department of an estate's management office."""

    class Meta:
        model = Department
        fields = ["id", "estate", "kind", "name", "phone"]
        read_only_fields = fields


class RoleSerializer(serializers.Serializer):
    """A staff role: its code and label."""

    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class StaffSerializer(ScopedModelSerializer):
    """A staff member as colleagues see them: no phone, no account details."""

    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = Staff
        fields = ["id", "name", "staff_no", "department", "department_name", "roles", "estates"]
        read_only_fields = fields

    @extend_schema_field(RoleSerializer(many=True))
    def get_roles(self, obj: Staff) -> list[dict[str, str]]:
        """Return the staff member's roles as code and label."""
        return role_list(obj.role_codes)


def role_list(codes: set[str]) -> list[dict[str, str]]:
    """Return role codes as sorted code/label pairs (unknown codes are skipped)."""
    return [{"code": c, "label": str(ROLES[c].label)} for c in sorted(codes) if c in ROLES]
