"""The API side of the action tables: a POST route per row, generated with its OpenAPI entry.

``install_actions(ViewSet, table, results)`` adds to the viewset one DRF action per row that has an
API path. The route parses the body with the row's own :class:`~shouwen.core.actions.ActionForm`
(the page posts to the same form), calls the row's service, and answers with what ``results`` names
for the row's ``result``. The request schema is derived from the form's fields, so the OpenAPI
document lists exactly what the form reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.api.parsers import FormParser, JSONParser, MultiPartParser
from shouwen.core.action_views import acting_staff
from shouwen.core.actions import Action, ActionForm, ActionTable

INVALID = OpenApiResponse(description=gettext_lazy("请求内容不完整或不正确"))
DENIED = OpenApiResponse(description=gettext_lazy("现在不能执行此操作"))
CONFLICT = OpenApiResponse(description=gettext_lazy("数据已被他人处理，请刷新后重试"))
LIMIT = OpenApiResponse(description=gettext_lazy("已达上限（见 Retry-After）"))


@dataclass(frozen=True)
class Result:
    """How a route answers: ``answer(view, target, value)`` returns the body's data, with ``status``."""

    serializer: type[serializers.BaseSerializer[Any]]
    answer: Callable[[Any, Any, Any], Any]
    status: int = 200


def _schema_field(field: forms.Field) -> serializers.Field:
    """Return the serializer field that describes a form field in the OpenAPI document."""
    common: dict[str, Any] = {"required": field.required, "help_text": field.help_text or field.label}
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(**common, allow_null=not field.required)
    if isinstance(field, forms.MultipleChoiceField):
        child = (
            serializers.IntegerField()
            if isinstance(field, forms.TypedMultipleChoiceField)
            else (serializers.CharField())
        )
        return serializers.ListField(child=child, **common)
    if isinstance(field, forms.ChoiceField):
        return serializers.ChoiceField(choices=list(field.choices), **common)  # type: ignore[arg-type]
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(required=False, help_text=common["help_text"])
    if isinstance(field, forms.FileField):
        return serializers.FileField(**common)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(**common, allow_null=not field.required)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(**common, allow_null=not field.required)
    longest = getattr(field, "max_length", None)
    extra: dict[str, Any] = {"max_length": longest} if longest else {}
    return serializers.CharField(**common, allow_blank=not field.required, **extra)


def form_serializer(form_class: type[ActionForm], name: str) -> type[serializers.Serializer[Any]] | None:
    """Return a serializer class mirroring the form's fields (for the schema only); None without fields."""
    if not form_class.base_fields:
        return None
    fields = {n: _schema_field(f) for n, f in form_class.base_fields.items()}
    return type(name, (serializers.Serializer,), {"__doc__": form_class.__doc__, **fields})


def parse(row: Action, request: Request, target: Any) -> ActionForm:
    """Return the row's form bound to the request body; a 400 naming the fields when it does not parse."""
    if not isinstance(request.data, Mapping):
        raise ValidationError({"non_field_errors": [_("请求内容应为一个 JSON 对象。")]})
    form = row.form(request.data, request.FILES, target=target)
    if not form.is_valid():
        raise ValidationError(
            {
                ("non_field_errors" if k == "__all__" else k): [str(e) for e in v]
                for k, v in form.errors.items()
            }
        )
    return form


def _route(row: Action, results: Mapping[str, Result]) -> Callable[..., Response]:
    result = results[row.result]

    def route(self: Any, request: Request, **kwargs: Any) -> Response:
        target = self.get_object()
        form = parse(row, request, target)
        value = row.run(acting_staff(request), form)
        return Response(result.answer(self, target, value), status=result.status)

    route.__name__ = route.__qualname__ = f"act_{row.code}"
    route.__doc__ = str(row.description or row.label)
    multipart = any(isinstance(f, forms.FileField) for f in row.form.base_fields.values())
    request_schema = form_serializer(row.form, "".join(p.title() for p in row.code.split("_")) + "Request")
    schema = extend_schema(
        summary=str(row.label),
        description=str(row.description or row.label),
        request={"multipart/form-data": request_schema} if multipart else request_schema,
        responses={
            result.status: result.serializer,
            400: INVALID,
            403: DENIED,
            409: CONFLICT,
            429: LIMIT,
        },
    )
    decorated = action(
        detail=True,
        methods=["post"],
        url_path=row.api_path,
        url_name=row.api_path,
        parser_classes=[MultiPartParser, FormParser]
        if multipart
        else [JSONParser, FormParser, MultiPartParser],
    )(schema(route))
    return decorated


def install_actions(
    viewset: type[Any], table: ActionTable[Any, Any], results: Mapping[str, Result], cap: str
) -> None:
    """Add a POST route for every row of ``table`` that has an API path to ``viewset``.

    ``cap`` is the capability the routes need, the same as the page's action view: who may take
    which action is then the table's (and the service's) decision, the same for page and API.
    """
    caps = dict(getattr(viewset, "action_caps", {}))
    for row in table:
        if row.api_path is not None:
            setattr(viewset, f"act_{row.code}", _route(row, results))
            caps[f"act_{row.code}"] = cap
    viewset.action_caps = caps
