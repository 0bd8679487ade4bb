"""Request throttles (DRF's ``SimpleRateThrottle``): per account for the API, per client address otherwise.

The counters live in Django's default cache, which is the database (or Redis) rather than
process memory, so every gunicorn worker and web node counts against the same budget. The rates
come from ``SHOUWEN_THROTTLE_RATES`` unless an administrator has set one in the admin
(``ThrottleRate``); they are read once a minute per process and at once after a change in this one.
"""

from __future__ import annotations

import threading
import time
from typing import Any, cast

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import Throttled
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from shouwen.core.models import ThrottleRate
from shouwen.core.net import client_ip

# Other processes see an administrator's change within this many seconds.
RATES_TTL = 60.0

_lock = threading.Lock()
_rates: tuple[float, dict[str, str]] | None = None


def current_rates() -> dict[str, str]:
    """Return the rate of every scope: the admin's where set, otherwise the settings' default."""
    global _rates
    cached = _rates
    if cached is not None and time.monotonic() - cached[0] < RATES_TTL:
        return cached[1]
    rates = dict(settings.SHOUWEN_THROTTLE_RATES)
    rates.update(dict(ThrottleRate.objects.values_list("scope", "rate")))
    with _lock:
        _rates = (time.monotonic(), rates)
    return rates


def forget_rates() -> None:
    """Drop this process's copy of the rates, so the next request reads them again."""
    global _rates
    with _lock:
        _rates = None


@receiver([post_save, post_delete], sender=ThrottleRate)
def _rate_changed(**kwargs: Any) -> None:
    forget_rates()


@receiver(setting_changed)
def _setting_changed(setting: str, **kwargs: Any) -> None:
    if setting in ("SHOUWEN_THROTTLE_RATES", "CACHES"):
        forget_rates()


class ConfiguredRateThrottle(SimpleRateThrottle):
    """A throttle whose rate for ``scope`` comes from :func:`current_rates`."""

    scope: str

    def get_rate(self) -> str | None:
        """Return the scope's current rate."""
        return current_rates().get(self.scope)


class AddressThrottle(ConfiguredRateThrottle):
    """Count requests per client address, whoever makes them (the sign-in page, failed API tokens)."""

    def allow(self, request: Any) -> bool:
        """Count the request (a page's or the API's); return whether it is within the rate."""
        return self.allow_request(request, cast(Any, None))

    def get_ident(self, request: Any) -> str:
        """Return the client's address (X-Forwarded-For only from a trusted proxy)."""
        return client_ip(request) or "unknown"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        """Key the counter by the client's address."""
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AnonThrottle(AddressThrottle):
    """API requests without a valid token or session, per client address.

    DRF checks permissions before throttles, and every API view turns the anonymous away, so this
    throttle is applied during authentication (:func:`throttle_anonymous`): after a token that
    matched nothing, and after all authenticators found no one.
    """

    scope = "anon"


def throttle_anonymous(request: Any) -> None:
    """Count an unauthenticated API request against its address; raise Throttled once over the rate."""
    throttle = AnonThrottle()
    if not throttle.allow(request):
        raise Throttled(wait=throttle.wait())


class _UserThrottle(ConfiguredRateThrottle):
    """API requests of a signed-in user, counted per account whatever address they come from."""

    writes: bool

    def allow_request(self, request: Any, view: Any) -> bool:
        """Count only the user's requests of this kind (reads or writes)."""
        if not (request.user and request.user.is_authenticated):
            return True
        if (request.method not in SAFE_METHODS) != self.writes:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        """Key the counter by the user's id."""
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class UserReadThrottle(_UserThrottle):
    """GET/HEAD/OPTIONS per account: a list sync of an integration fits, a scraping loop does not."""

    scope = "user_read"
    writes = False


class UserWriteThrottle(_UserThrottle):
    """POST/PUT/PATCH/DELETE per account: a busy front desk fits, a runaway script does not."""

    scope = "user_write"
    writes = True


class SignInPageThrottle(AddressThrottle):
    """Sign-in form submissions per client address (the password throttle counts failures besides)."""

    scope = "sign_in"


class AnonymousRequestThrottling(BaseAuthentication):
    """Last of the API's authentication classes: a request nobody authenticated counts against its address."""

    def authenticate(self, request: Any) -> None:
        """Authenticate nobody; only count the request (429 once the address is over its rate)."""
        throttle_anonymous(request)
        return None
