"""Idempotent intake: a retried registration with the same Idempotency-Key returns the first result.

A client that lost the answer to a registration (a dropped mobile connection, a timeout) sends the
same request again with the same key; the resident's call must not become two cases. The key is
remembered per user together with a hash of the request body, so reusing a key for a different
registration is refused instead of silently returning the wrong case.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shouwen.cases.models import Contact, IdempotencyRecord

MAX_KEY_LENGTH = IdempotencyRecord._meta.get_field("key").max_length or 100


class IdempotencyConflict(Exception):
    """The key was already used for a different request body (answer 409)."""


def request_hash(payload: dict[str, Any]) -> str:
    """Return the sha256 of the payload's canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _clean_key(key: str) -> str:
    key = (key or "").strip()
    if not key:
        raise ValidationError(_("Idempotency-Key 不能为空。"))
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError(_("Idempotency-Key 不能超过 %(max)s 个字符。") % {"max": MAX_KEY_LENGTH})
    return key


def _replay(record: IdempotencyRecord, digest: str) -> tuple[Contact, bool]:
    if record.request_hash != digest:
        raise IdempotencyConflict(
            _("同一个 Idempotency-Key 已用于不同的登记内容，请为新的登记使用新的 Key。")
        )
    return record.contact, False


def _find(user: User, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.select_related("contact").filter(user=user, key=key).first()


def register_idempotently(
    user: User, key: str, payload: dict[str, Any], register: Callable[[], Contact]
) -> tuple[Contact, bool]:
    """Register once per (user, key) and body; return the contact and whether this call created it."""
    # Same key and body: the first contact again. Same key, other body: IdempotencyConflict. If a
    # concurrent request with the key commits first, our registration is rolled back and the same
    # two rules are applied to the record that won.
    key = _clean_key(key)
    digest = request_hash(payload)
    with transaction.atomic():
        record = _find(user, key)
        if record is not None:
            return _replay(record, digest)
        try:
            # Savepoint: if the key was taken meanwhile, our registration goes with the failed insert.
            with transaction.atomic():
                contact = register()
                IdempotencyRecord.objects.create(user=user, key=key, request_hash=digest, contact=contact)
        except IntegrityError:
            record = _find(user, key)
            if record is None:  # the failure was not the key's unique constraint
                raise
            return _replay(record, digest)
    return contact, True
