"""OpenAPI corrections: the error answers every operation can give, and blank choices as they are.

drf-spectacular documents the success answers a view declares; the errors DRF and our views give
on every endpoint (400 invalid input, 401 no token, 403 not allowed, 404 no such row in your
estates, 409 changed meanwhile, 429 throttled) were missing, so a client generated from the schema, or a fuzzer
checking answers against it, met answers the schema said could not happen. The post-processing
hook adds them, with the body they really have, wherever an operation can give them.

DRF drops ``allow_blank`` from read-only model fields, so an optional choice (a case's severity,
a visit's satisfaction) was documented as never empty although "" is what an unset one holds.
The field extension puts the blank choice back for model fields that allow it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import serializers


def _model_field_allows_blank(field: serializers.Field) -> bool:
    """Return whether the model field behind a serializer field is a choice that may be blank."""
    parent = getattr(field, "parent", None)
    model: type[Model] | None = getattr(getattr(parent, "Meta", None), "model", None)
    attrs = getattr(field, "source_attrs", None) or [field.field_name]
    model_field: Any = None
    for attr in attrs:
        if model is None:
            return False
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return False
        model = model_field.related_model
    return bool(model_field is not None and model_field.choices and model_field.blank)


class BlankModelChoiceFieldExtension(OpenApiSerializerFieldExtension):
    """Document "" as a value of read-only choice fields whose model field may be blank."""

    target_class = "rest_framework.fields.ChoiceField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        """Return the usual schema, with the blank choice where the model allows it."""
        field = self.target
        if (
            not isinstance(field, serializers.MultipleChoiceField)
            and not field.allow_blank
            and field.read_only
            and _model_field_allows_blank(field)
        ):
            field.allow_blank = True  # this serializer instance only serves the schema generation
        return auto_schema._map_serializer_field(field, direction, bypass_extensions=True)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Document the hashed tokens exactly as DRF's tokens were: ``Authorization: Token …``."""

    target_class = "shouwen.accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> Any:
        """Return the header scheme with its "Token" prefix."""
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")


ERROR = {
    "type": "object",
    "description": "A refusal with its reason for the user.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# Field name -> messages (or nested errors of list items and sub-objects); "detail" or
# "non_field_errors" for errors of the whole request.
VALIDATION_ERROR = {
    "type": "object",
    "description": "Invalid input: each field named with its messages; errors of the whole request "
    "under non_field_errors (or detail).",
    "additionalProperties": {},
}

_DESCRIPTIONS = {
    "400": "Invalid input (nothing was changed)",
    "401": "No valid token or session",
    "403": "Not allowed for your role, or not allowed on this row now",
    "404": "No such row in the estates you serve",
    "405": "Method not allowed",
    "409": "Changed meanwhile by someone else, or the Idempotency-Key was used for other content",
    "415": "Unsupported media type",
    "429": "Too many requests (per account, per address, or a case's daily text messages): retry after "
    "the seconds in Retry-After",
}
RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}
}


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _expected_errors(method: str, operation: dict[str, Any]) -> list[str]:
    params = operation.get("parameters", [])
    codes = ["401", "403", "429"]
    if any(p.get("in") == "path" for p in params):
        codes.append("404")
    if method != "get" or any(p.get("in") == "query" for p in params):
        codes.append("400")  # a body, or query parameters with a type or a choice list
    if operation.get("requestBody"):
        codes.append("415")
    if method == "post" and any(p.get("in") == "path" for p in params):
        codes.append("409")  # actions on a row lock it and refuse a stale request
    if method == "post" and any(p.get("name") == "Idempotency-Key" for p in params):
        codes.append("409")
    return codes


def document_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Add the error answers to every operation (and a body to declared ones that have none)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in _expected_errors(method, operation):
                responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code.startswith(("4", "5")) and "content" not in response:
                    response["content"] = _json("ValidationError" if code == "400" else "Error")
                if code == "429":
                    response.setdefault("headers", RETRY_AFTER)
    return result
