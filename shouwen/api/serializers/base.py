"""Shared serializer pieces: estate-scoped references and model-constraint validation."""

from __future__ import annotations

from copy import copy
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.settings import api_settings

from shouwen.access.scope import scope_queryset


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Accept an id only when the object lies in one of the signed-in user's estates.

    An id from an estate the user does not serve is answered exactly like an id that does not
    exist ("does_not_exist"), so the answer never tells whether another estate holds such a row.
    """

    def _all_rows(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        assert queryset is not None  # writable related fields are always given a queryset
        return queryset

    def get_queryset(self) -> QuerySet[Any]:
        """Return the rows the user may reference (also the choices the browsable API lists)."""
        request = self.context.get("request")
        # Without a request there is no user to scope by, so nothing may be referenced.
        if request is None:
            return self._all_rows().none()
        return scope_queryset(self._all_rows(), request.user)


class ScopedModelSerializer(serializers.ModelSerializer):
    """Model serializer that checks immutable fields and the model's constraints with Django's messages.

    DRF's own unique-together validator names fields by their code names; Django's
    ``validate_constraints`` names them by their Chinese verbose names, so it is used instead.
    """

    # Every foreign key a client sends must point into one of the user's estates.
    serializer_related_field = ScopedPrimaryKeyRelatedField
    # Fields that may be set on create but not changed afterwards (history hangs off them).
    immutable_fields: ClassVar[tuple[str, ...]] = ()

    def get_unique_together_validators(self) -> list[Any]:
        return []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is not None:
            errors = {
                name: [_("此项创建后不能修改")]
                for name in self.immutable_fields
                if name in attrs and self._changes(name, attrs[name])
            }
            if errors:
                raise serializers.ValidationError(errors)
        self.check_constraints(attrs)
        return attrs

    def _changes(self, name: str, value: Any) -> bool:
        # Compare foreign keys by id so the check does not load the current related object.
        model: type[Model] = self.Meta.model
        attname = next(f.attname for f in model._meta.concrete_fields if f.name == name)
        new = value.pk if isinstance(value, Model) else value
        return bool(getattr(self.instance, attname) != new)

    def check_constraints(self, attrs: dict[str, Any]) -> None:
        """Raise a 400 when saving ``attrs`` would break one of the model's constraints."""
        model: type[Model] = self.Meta.model
        instance = copy(self.instance) if self.instance is not None else model()
        concrete = {f.name for f in model._meta.concrete_fields}
        for name, value in attrs.items():
            if name in concrete:
                setattr(instance, name, value)
        try:
            instance.validate_constraints()
        except DjangoValidationError as exc:
            detail = serializers.as_serializer_error(exc)
            if NON_FIELD_ERRORS in detail:
                detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
            raise serializers.ValidationError(detail) from exc
