"""Helpers every app's services share: required texts and versioned saves."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Model
from django.utils import timezone


def required_text(text: str | None, message: str, field: str | None = None) -> str:
    """Return the text stripped; refuse it when empty (under ``field`` when the form names one)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message} if field else message)
    return text


def save_version(obj: Model, *fields: str) -> None:
    """Save the named fields, bump ``version`` and ``updated_at``; read the new version back.

    The version is what the API shows and what a client sends back to refuse a stale change; every
    service that changes a row goes through here so that no change leaves it behind.
    """
    target: Any = obj
    target.version = F("version") + 1
    target.updated_at = timezone.now()
    obj.save(update_fields=[*fields, "version", "updated_at"])
    obj.refresh_from_db(fields=["version"])
