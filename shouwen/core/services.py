"""Helpers every app's services share: required texts, row locks and versioned saves."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import F, Model, QuerySet
from django.utils import timezone

M = TypeVar("M", bound=Model)


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


def for_update(model: type[M], **kwargs: Any) -> QuerySet[M]:
    """Return ``model``'s rows ``select_for_update(**kwargs)``, refusing to run outside a transaction.

    PostgreSQL refuses such a query outside ``transaction.atomic``; SQLite ignores the lock and runs
    it. Checking here makes a service that forgot its transaction fail on both databases alike.
    """
    alias = router.db_for_write(model)
    if not connections[alias].in_atomic_block:
        raise RuntimeError(f"{model.__name__} locked outside a transaction")
    return model._default_manager.select_for_update(**kwargs)
