"""API tokens (django-rest-knox): issued to staff, stored as a hash, expiring, revocable by their owner.

The token itself is shown once, when it is made; the database keeps its SHA-512 digest and its
first characters (to find the row and to let the owner tell tokens apart), so a copy of the
database or a look at the admin gives nobody a usable token.
"""

from __future__ import annotations

from datetime import timedelta
from hmac import compare_digest
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions
from rest_framework.request import Request

from shouwen.accounts.models import ApiToken
from shouwen.core.throttling import throttle_anonymous

# The last use is written at most this often per token: one UPDATE a minute, not one per request.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def issue_token(user: User, *, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for the user; return its row and the token text (which is never stored)."""
    lifetime = timedelta(days=days or settings.SHOUWEN_TOKEN_DAYS)
    token, text = ApiToken.objects.create(user=user, expiry=lifetime, name=name.strip()[:100])
    return token, text


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """Return the user's tokens, newest first (revoked and expired ones included, for the record)."""
    return ApiToken.objects.filter(user=user).order_by("-created")


def revoke_token(actor: User, token: ApiToken) -> bool:
    """Revoke the token at once; return False if it was already revoked."""
    return bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
    )


def revoke_all(actor: User | None, user: User) -> int:
    """Revoke every token of the user that is not revoked yet (actor None: from the command line); return how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token …`` checked against the stored digests; a wrong token counts against the address.

    Unlike knox's own class, an expired or revoked token is kept (the owner's page lists it) and
    only one query finds the token and its user.
    """

    def authenticate(self, request: Request) -> Any:
        """Return (user, token) for a valid token; a bad one is 401, or 429 once the address is over its rate."""
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle_anonymous(request)  # guessing tokens counts like any anonymous request
            raise

    def authenticate_credentials(self, token: bytes) -> tuple[User, ApiToken]:
        """Return the user and the token row matching ``token``, refusing revoked and expired ones."""
        invalid = _("令牌无效、已过期或已被撤销。")
        try:
            text = token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(invalid) from None
        digest = hash_token(text)
        now = timezone.now()
        candidates = ApiToken.objects.filter(
            token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH], revoked_at__isnull=True
        ).select_related("user")
        for row in candidates:
            if not compare_digest(digest, row.digest):
                continue
            if row.expiry is not None and row.expiry <= now:
                break
            if not row.user.is_active:
                raise exceptions.AuthenticationFailed(_("账号已停用。"))
            if row.last_used_at is None or now - row.last_used_at >= LAST_USE_RESOLUTION:
                ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
                row.last_used_at = now
            return row.user, row
        raise exceptions.AuthenticationFailed(invalid)
