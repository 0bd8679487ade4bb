"""Helpers shared by the pages' forms."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def attach_errors(form: forms.Form, exc: ValidationError, aliases: Mapping[str, str] | None = None) -> None:
    """Show a service's validation error at the form fields it names, the rest above the form.

    ``aliases`` maps a service's field name to the form's where they differ.
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        field = (aliases or {}).get(name, name)
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, ValidationError(errors))
