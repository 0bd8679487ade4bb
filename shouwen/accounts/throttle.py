"""Sign-in throttle: exponential delay per account and per client address, counted in the database.

Every attempt is counted *before* its password is checked, in one transaction that locks the
account's and the address's counters, so parallel attempts cannot slip past the count (twelve at
once are twelve, and only the free ones get a password check). A correct password clears the
account's count and gives the address its attempt back; a wrong one stays counted.

Past the free attempts, the next attempt for that account (or from that address) must wait 2, 4,
8 … seconds after the last one, never more than ``SHOUWEN_SIGNIN_MAX_DELAY_MINUTES``: a stranger can
slow the owner down, never lock them out for longer than the cap. Attempts refused while waiting
check no password and do not lengthen the wait. Names that are nobody's account get a counter like
any account (so the answers do not tell which names exist), and every counter is forgotten after
hours without a failure and then deleted by ``prune_counters`` (the worker's nightly upkeep).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from shouwen.accounts.models import SignInThrottle
from shouwen.core.services import for_update

logger = logging.getLogger("shouwen.signin")

Scope = SignInThrottle.Scope


class SignInThrottled(Exception):
    """The account or the address must wait until ``until`` before the next attempt."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until)
        self.until = until

    @property
    def wait_seconds(self) -> int:
        """Return the whole seconds left to wait (at least 1)."""
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))


@dataclass(frozen=True)
class Attempt:
    """A counted sign-in attempt whose outcome is not known yet."""

    account: int  # SignInThrottle ids
    address: int | None


def find_user(login: str) -> User | None:
    """Return the account whose username or staff number (工号) is ``login``, ignoring case."""
    login = login.strip()
    if not login:
        return None
    return User.objects.filter(Q(username__iexact=login) | Q(staff__staff_no__iexact=login)).first()


def account_key(user: User | None, login: str) -> str:
    """Return the counter key of an account: one per person, whether named by username or staff number."""
    if user is not None:
        return f"user:{user.pk}"
    return "name:" + login.strip().casefold()[:180]


def delay(failures: int, free: int) -> timedelta:
    """Return how long the next attempt waits after ``failures`` counted attempts (2^k s, capped)."""
    if failures <= free:
        return timedelta(0)
    cap = settings.SHOUWEN_SIGNIN_MAX_DELAY_MINUTES * 60
    return timedelta(seconds=min(cap, 2 ** min(failures - free, 30)))


def _rules(scope: str) -> tuple[int, timedelta]:
    """Return the free attempts and the quiet time after which the counter is forgotten."""
    if scope == Scope.ACCOUNT:
        return (
            settings.SHOUWEN_SIGNIN_ACCOUNT_FREE_FAILURES,
            timedelta(hours=settings.SHOUWEN_SIGNIN_ACCOUNT_FORGET_HOURS),
        )
    return (
        settings.SHOUWEN_SIGNIN_ADDRESS_FREE_FAILURES,
        timedelta(hours=settings.SHOUWEN_SIGNIN_ADDRESS_FORGET_HOURS),
    )


def _lock_rows(wanted: list[tuple[str, str, User | None]]) -> list[SignInThrottle]:
    """Return the existing counter rows of ``wanted`` under row locks, account before address.

    One ordered SELECT … FOR UPDATE takes every lock, always in the same order ("account" sorts
    before "address"), and no INSERT ever waits while a lock is held: two attempts can never wait
    for each other in a circle.
    """
    match = Q()
    for scope, key, _user in wanted:
        match |= Q(scope=scope, key=key)
    return list(for_update(SignInThrottle).filter(match).order_by("scope"))


def _create_missing(wanted: list[tuple[str, str, User | None]], found: list[SignInThrottle]) -> None:
    """Insert the counter rows that do not exist yet (a parallel attempt may insert them first)."""
    have = {(row.scope, row.key) for row in found}
    SignInThrottle.objects.bulk_create(
        [SignInThrottle(scope=s, key=k, user=u) for s, k, u in wanted if (s, k) not in have],
        ignore_conflicts=True,
    )


def begin_attempt(user: User | None, login: str, ip: str | None) -> Attempt:
    """Count a sign-in attempt before its password is checked; raise SignInThrottled while it must wait."""
    wanted: list[tuple[str, str, User | None]] = [(Scope.ACCOUNT, account_key(user, login), user)]
    if ip:
        wanted.append((Scope.ADDRESS, ip, None))
    for _round in range(3):  # a row pruned between two rounds is made again; three rounds are plenty
        with transaction.atomic():
            rows = _lock_rows(wanted)
            now = timezone.now()  # read after the locks: an attempt that waited for them is judged by now
            waits = [row.wait_until for row in rows if row.wait_until and row.wait_until > now]
            if waits:
                # Refused without a password check; counted apart, and no rows made for what was refused.
                SignInThrottle.objects.filter(pk__in=[row.pk for row in rows]).update(
                    refused=F("refused") + 1
                )
                break
            if len(rows) == len(wanted):
                for row in rows:
                    _count_failure(row, now, ip)
                return Attempt(account=rows[0].pk, address=rows[1].pk if len(rows) > 1 else None)
        # Outside the transaction, holding no lock: make the missing rows, then count under the locks.
        _create_missing(wanted, rows)
    else:
        raise RuntimeError("sign-in counters kept disappearing")  # pragma: no cover - needs a pruning loop
    logger.warning("sign-in refused while waiting: login=%r ip=%s", login[:150], ip)
    raise SignInThrottled(max(waits))


def _count_failure(row: SignInThrottle, now: datetime, ip: str | None) -> None:
    """Count one attempt on a locked row and set when the next one may come."""
    free, forget = _rules(row.scope)
    if row.last_failure_at is None or now - row.last_failure_at > forget:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    pause = delay(row.failures, free)
    row.wait_until = now + pause if pause else None
    row.last_ip = ip
    row.save(update_fields=["failures", "last_failure_at", "wait_until", "last_ip"])


def finish_attempt(attempt: Attempt, *, succeeded: bool, login: str = "", ip: str | None = None) -> None:
    """Settle a counted attempt: a success clears the account and gives the address its attempt back."""
    if not succeeded:
        logger.warning("sign-in failed: login=%r ip=%s", login[:150], ip)
        return
    with transaction.atomic():
        SignInThrottle.objects.filter(pk=attempt.account).update(failures=0, wait_until=None)
        if attempt.address is None:
            return
        row = for_update(SignInThrottle).filter(pk=attempt.address).first()
        if row is None or row.failures == 0:
            return
        free, _forget = _rules(row.scope)
        row.failures -= 1
        at = row.last_failure_at or timezone.now()
        row.wait_until = at + delay(row.failures, free) if row.failures > free else None
        row.save(update_fields=["failures", "wait_until"])


def prune_counters(now: datetime | None = None) -> int:
    """Delete counters that have been quiet long enough to be forgotten; return how many went."""
    now = now or timezone.now()
    account_forget = timedelta(hours=settings.SHOUWEN_SIGNIN_ACCOUNT_FORGET_HOURS)
    address_forget = timedelta(hours=settings.SHOUWEN_SIGNIN_ADDRESS_FORGET_HOURS)
    stale = (
        Q(scope=Scope.ACCOUNT, last_failure_at__lt=now - account_forget)
        | Q(scope=Scope.ADDRESS, last_failure_at__lt=now - address_forget)
        | Q(last_failure_at__isnull=True, failures=0)
    ) & (Q(wait_until__isnull=True) | Q(wait_until__lt=now))
    deleted, _per_model = SignInThrottle.objects.filter(stale).delete()
    return deleted
