"""Sign-in lockout after repeated failures."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shouwen.accounts.models import SignInFailure


def _key(login: str) -> str:
    return login.strip().lower()[:150]


def locked_until(login: str) -> datetime | None:
    """Return when the lock on this login name ends, or None if it is not locked."""
    row = SignInFailure.objects.filter(login=_key(login)).first()
    if row and row.locked_until and row.locked_until > timezone.now():
        return row.locked_until
    return None


@transaction.atomic
def record_failure(login: str, ip: str | None) -> SignInFailure:
    """Count a failed sign-in; lock the name when the limit is reached within the window."""
    now = timezone.now()
    window = timedelta(minutes=settings.SHOUWEN_LOCKOUT_MINUTES)
    row, _ = SignInFailure.objects.select_for_update().get_or_create(login=_key(login))
    if row.first_failure_at is None or now - row.first_failure_at > window:
        row.failures = 0
        row.first_failure_at = now
    row.failures += 1
    row.last_ip = ip
    if row.failures >= settings.SHOUWEN_LOCKOUT_FAILURES:
        row.locked_until = now + window
    row.save()
    return row


def clear_failures(login: str) -> None:
    """Forget failures after a successful sign-in."""
    SignInFailure.objects.filter(login=_key(login)).delete()
