"""Who the resident is: the portal's session keys, the page decorator and the API's authentication.

A resident session holds a resident id under its own key, never a Django user: a staff session
never counts as a resident's (``current_resident`` is None while a staff member is signed in) and
signing a resident in flushes whatever session was there, staff sign-in included; when a staff
member signs in, any resident keys are dropped (``user_logged_in``). Staff pages need a Django
user, so a resident session gets nowhere there.

A receipt's link gives a narrower session (``link_case_id``): that one case, no other page.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, CSRFCheck, get_authorization_header
from rest_framework.permissions import BasePermission

from shouwen.directory.models import Resident
from shouwen.portal.models import ResidentToken

SESSION_KEY = "_portal_resident"
LINK_KEY = "_portal_link"  # {"resident": id, "case": id}
CHOICE_KEY = "_portal_choices"  # resident ids one verified phone may sign in as
TOKEN_KEYWORD = "Resident"


def _resident(pk: object) -> Resident | None:
    if not isinstance(pk, int):
        return None
    return Resident.objects.select_related("estate").filter(pk=pk).first()


def current_resident(request: HttpRequest | Any) -> Resident | None:
    """Return the resident signed in to this session with a code, else None (staff sessions too)."""
    cached = getattr(request, "_portal_resident", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    resident = None
    user = getattr(request, "user", None)
    if not (user is not None and user.is_authenticated and not isinstance(user, ResidentUser)):
        resident = _resident(request.session.get(SESSION_KEY))
    request._portal_resident = resident
    return resident


def link_grant(request: HttpRequest | Any) -> tuple[Resident, int] | None:
    """Return the resident and the one case a receipt link opened in this session, else None."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not isinstance(user, ResidentUser):
        return None
    data = request.session.get(LINK_KEY)
    if not isinstance(data, dict):
        return None
    resident = _resident(data.get("resident"))
    case_id = data.get("case")
    if resident is None or not isinstance(case_id, int):
        return None
    return resident, case_id


def sign_in(request: HttpRequest, resident: Resident) -> None:
    """Make this a new session of ``resident`` (whatever session was there ends: staff, link, other)."""
    request.session.flush()
    request.session[SESSION_KEY] = resident.pk
    request.session.set_expiry(settings.SHOUWEN_PORTAL_SESSION_HOURS * 3600)
    request._portal_resident = resident  # type: ignore[attr-defined]
    _forget_user(request)


def sign_in_by_link(request: HttpRequest, resident: Resident, case_id: int) -> None:
    """Make this a new session that sees one case of ``resident`` (a receipt's link)."""
    request.session.flush()
    request.session[LINK_KEY] = {"resident": resident.pk, "case": case_id}
    request.session.set_expiry(settings.SHOUWEN_PORTAL_SESSION_HOURS * 3600)
    request._portal_resident = None  # type: ignore[attr-defined]
    _forget_user(request)


def offer_choice(request: HttpRequest, residents: list[Resident]) -> None:
    """Remember the residents one verified number may sign in as, to pick one (a fresh session)."""
    request.session.flush()
    request.session[CHOICE_KEY] = [r.pk for r in residents]
    _forget_user(request)


def sign_out(request: HttpRequest) -> None:
    """End the resident's session."""
    request.session.flush()
    request._portal_resident = None  # type: ignore[attr-defined]


def _forget_user(request: HttpRequest) -> None:
    from django.contrib.auth.models import AnonymousUser

    if hasattr(request, "user"):
        request.user = AnonymousUser()


@receiver(user_logged_in)
def _staff_signed_in(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """A staff sign-in drops any resident keys of the session (it never carries a resident along)."""
    if request is not None and hasattr(request, "session"):
        for key in (SESSION_KEY, LINK_KEY, CHOICE_KEY):
            request.session.pop(key, None)


def resident_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let only a signed-in resident through (``request.resident``); others go to the portal's sign-in."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        resident = current_resident(request)
        if resident is None:
            from urllib.parse import urlencode

            from django.urls import reverse

            return redirect(f"{reverse('portal:sign_in')}?{urlencode({'next': request.get_full_path()})}")
        request.resident = resident  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


# --- API ---------------------------------------------------------------------------------------


class ResidentUser:
    """What ``request.user`` is in the portal API: a resident, not a Django user (no staff rights)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, resident: Resident) -> None:
        self.resident = resident
        # Keys the API's per-account throttles apart from staff accounts' ids.
        self.pk = f"resident:{resident.pk}"
        self.id = self.pk

    def __str__(self) -> str:
        return self.pk

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False


def token_digest(token: str) -> str:
    """Return the hash a resident token is kept as."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(resident: Resident) -> str:
    """Create a resident API token and return it (shown once; only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    ResidentToken.objects.create(
        resident=resident,
        digest=token_digest(token),
        prefix=token[:8],
        expires_at=timezone.now() + timedelta(days=settings.SHOUWEN_PORTAL_TOKEN_DAYS),
    )
    return token


def revoke_token(token: str) -> int:
    """Revoke the token (signing out of the app); return how many were revoked."""
    return ResidentToken.objects.filter(digest=token_digest(token), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


class ResidentAuthentication(BaseAuthentication):
    """The portal API's way in: ``Authorization: Resident <token>`` or the resident's page session.

    A session is checked against CSRF for writes, as DRF's session authentication does. A staff
    session or staff token authenticates nobody here.
    """

    keyword = TOKEN_KEYWORD

    def authenticate(self, request: Any) -> tuple[ResidentUser, Resident] | None:
        header = get_authorization_header(request).split()
        if header and header[0].decode(errors="replace").lower() == self.keyword.lower():
            if len(header) != 2:
                raise exceptions.AuthenticationFailed(_("令牌格式不正确。"))
            return self._by_token(request, header[1].decode(errors="replace"))
        django_request = request._request
        resident = current_resident(django_request)
        if resident is None:
            return None
        self._enforce_csrf(django_request)
        return ResidentUser(resident), resident

    def _by_token(self, request: Any, token: str) -> tuple[ResidentUser, Resident]:
        from shouwen.core.throttling import throttle_anonymous

        now = timezone.now()
        row = (
            ResidentToken.objects.select_related("resident__estate")
            .filter(digest=token_digest(token), revoked_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if row is None:
            throttle_anonymous(request)  # a guessed token counts like an anonymous request
            raise exceptions.AuthenticationFailed(_("令牌无效或已过期，请重新登录。"))
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
            ResidentToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return ResidentUser(row.resident), row.resident

    def authenticate_header(self, request: Any) -> str:
        return self.keyword

    def _enforce_csrf(self, request: HttpRequest) -> None:
        check = CSRFCheck(lambda req: None)  # type: ignore[arg-type,return-value]
        check.process_request(request)
        reason = check.process_view(request, None, (), {})  # type: ignore[arg-type]
        if reason:
            raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")


class IsResident(BasePermission):
    """Only a resident (session or resident token) gets through; staff and the anonymous do not."""

    message = _("请先以住户身份登录。")

    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.user, ResidentUser)


def resident_of(request: Any) -> Resident:
    """Return the resident of an API request that passed :class:`IsResident`."""
    user = request.user
    assert isinstance(user, ResidentUser)
    return user.resident
