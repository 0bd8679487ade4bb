"""Notify staff: the in-app notification at once, e-mail and SMS through the worker, respecting quiet hours.

:func:`notify` never sends anything itself, so it is cheap and safe inside the transaction of the
change that causes it; :func:`deliver_pending` (run by ``shouwen worker``) sends what is due.
Every copy is claimed with a conditional UPDATE before it is sent (a token of the worker and a
time), so several workers never send the same message at once, and the result is recorded with one
UPDATE that holds only while the claim is still the worker's. A worker killed mid-send leaves its
claim behind: after ``SHOUWEN_DELIVERY_CLAIM_SECONDS`` another worker sends the copy again (at least
once). A mail server keeps nothing of a message whose DATA phase was cut off, so it arrives once; each
e-mail carries a Message-ID made from the notification, the same at every try, so that even one cut off
after the server accepted it (before the worker could record it) is seen as the same message.
A try that fails (mail server down, SMS gateway error) is retried with a growing wait until
``SHOUWEN_DELIVERY_RETRY_MINUTES`` have passed since the first try; only then is the copy failed.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import models
from django.db.models import F, Q, Value, When
from django.db.models.functions import Coalesce, TruncMinute
from django.utils import timezone

from shouwen.core.retry import retry_on_lock
from shouwen.core.sms import send_sms
from shouwen.directory.models import Staff
from shouwen.env import parse_time_range
from shouwen.notifications.models import DUE_STATUSES, Delivery, Kind, Notification

if TYPE_CHECKING:
    from shouwen.cases.models import Case

logger = logging.getLogger("shouwen.notifications")

# Rows sent per channel in one deliver_pending call: the worker runs again a minute later.
BATCH = 200
SMS_MAX_CHARS = 300


def quiet_hours_end(now: datetime) -> datetime | None:
    """Return when the quiet period ``now`` falls in ends, or None outside quiet hours."""
    span = parse_time_range("SHOUWEN_QUIET_HOURS", settings.SHOUWEN_QUIET_HOURS)
    if span is None:
        return None
    start, end = span
    zone = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    clock = local.time()
    if start < end:  # e.g. 12:00-14:00 within one day
        quiet = start <= clock < end
        end_day = local.date()
    else:  # e.g. 22:00-07:00 across midnight
        quiet = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not quiet:
        return None
    return datetime.combine(end_day, end, tzinfo=zone)


def _schedule(wanted: bool, urgent: bool, now: datetime) -> tuple[str, datetime | None]:
    """Return the status and earliest delivery time of a new e-mail or SMS copy."""
    if not wanted:
        return Delivery.NONE, None
    if urgent:
        return Delivery.PENDING, None  # safety matters wake people up
    resume = quiet_hours_end(now)
    if resume is None:
        return Delivery.PENDING, None
    return Delivery.HELD, resume


def notify(
    recipient: Staff,
    *,
    title: str,
    body: str = "",
    case: Case | None = None,
    kind: str = Kind.INFO,
    url: str = "",
    urgent: bool = False,
    email: bool = True,
    sms: bool = False,
    now: datetime | None = None,
) -> Notification:
    """Create the in-app notification and queue its e-mail and SMS copies for the worker."""
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")  # a programming error, not user input
    now = now or timezone.now()
    # Somebody who has left keeps the in-app record but gets nothing on their phone or mailbox.
    reachable = recipient.is_active
    email_status, email_after = _schedule(email and reachable and bool(recipient.user.email), urgent, now)
    sms_status, sms_after = _schedule(sms and reachable and bool(recipient.phone), urgent, now)
    return Notification.objects.create(
        recipient=recipient,
        case=case,
        kind=kind,
        title=title if len(title) <= 200 else title[:200],  # a stored sentence keeps its message id
        body=body,
        url=url,
        urgent=urgent,
        created_at=now,
        email_status=email_status,
        email_deliver_after=email_after,
        sms_status=sms_status,
        sms_deliver_after=sms_after,
    )


def mark_read(staff: Staff, ids: Iterable[int] | Literal["all"], now: datetime | None = None) -> int:
    """Mark the staff member's own unread notifications (some ids, or "all") read; return how many."""
    qs = Notification.objects.filter(recipient=staff, read_at__isnull=True)
    if ids != "all":
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=now or timezone.now())


def unread_count(staff: Staff) -> int:
    """Return how many unread lines the bell shows: those about one case within one minute count once.

    A burst (a supervisor reassigning twenty cases, a handover reaching a whole department) is then
    one line per case and minute, and the sweep's non-urgent reminders and escalations one line per
    kind and minute, as the notification page groups them (:func:`group_rows`).
    """
    unread = Notification.objects.filter(recipient=staff, read_at__isnull=True)
    swept = Q(kind__in=SWEEP_KINDS, urgent=False)
    return (
        unread.annotate(
            minute=TruncMinute("created_at"),
            # The sweep's non-urgent lines group by kind, the others by case.
            line_kind=models.Case(
                When(swept, then=F("kind")), default=Value(""), output_field=models.CharField()
            ),
            line_case=models.Case(
                When(swept, then=Value(0)), default=F("case_id"), output_field=models.BigIntegerField()
            ),
            # Notifications about no case are never grouped: each is its own line.
            alone=models.Case(
                When(swept, then=Value(0)),
                When(case__isnull=True, then=F("pk")),
                default=Value(0),
                output_field=models.BigIntegerField(),
            ),
        )
        .values("line_kind", "line_case", "minute", "alone")
        .distinct()
        .count()
    )


@dataclass
class Group:
    """One line of the notification page: the newest notification and those about the same case that minute."""

    latest: Notification
    others: list[Notification] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [self.latest.pk, *(n.pk for n in self.others)]

    @property
    def unread(self) -> bool:
        return any(n.read_at is None for n in (self.latest, *self.others))


# The deadline sweep's reminders and escalations come in bursts (an estate's overdue cases in one
# minute): those of one kind that minute are one line whatever their cases, unless urgent (safety,
# major complaints), which keep a line each.
SWEEP_KINDS = (Kind.NEAR_DUE, Kind.OVERDUE, Kind.ESCALATED)


def _swept(n: Notification) -> bool:
    return n.kind in SWEEP_KINDS and not n.urgent


def _group_key(n: Notification) -> tuple[int | str, datetime] | None:
    minute = n.created_at.replace(second=0, microsecond=0)
    if _swept(n):
        return (f"kind:{n.kind}", minute)
    return None if n.case_id is None else (n.case_id, minute)


def group_rows(rows: Iterable[Notification]) -> list[Group]:
    """Group notifications (newest first) about the same case within the same minute into one line;
    the sweep's non-urgent reminders and escalations of one kind and minute too, whatever their cases."""
    groups: list[Group] = []
    by_key: dict[tuple[int | str, datetime], Group] = {}
    for n in rows:
        key = _group_key(n)
        if key is not None and key in by_key:
            by_key[key].others.append(n)  # an urgent line between two of the burst does not split it
            continue
        group = Group(n)
        groups.append(group)
        if key is not None:
            by_key[key] = group
    return groups


def same_group(notification: Notification) -> list[int]:
    """The ids of the notifications shown on the same line as this one (same recipient, case and minute)."""
    key = _group_key(notification)
    if key is None:
        return [notification.pk]
    start = key[1]
    same = (
        Q(kind=notification.kind, urgent=False) if _swept(notification) else Q(case_id=notification.case_id)
    )
    return list(
        Notification.objects.filter(
            same,
            recipient_id=notification.recipient_id,
            created_at__gte=start,
            created_at__lt=start + timedelta(minutes=1),
        ).values_list("pk", flat=True)
    )


# ---------------------------------------------------------------- delivery


def _link(url: str) -> str:
    return f"{settings.SHOUWEN_SITE_URL}{url}" if url.startswith("/") else url


def message_id(n: Notification) -> str:
    """Return the e-mail's Message-ID: the same at every try, so a copy sent twice is one message."""
    domain = urlsplit(settings.SHOUWEN_SITE_URL).hostname or "shouwen.localhost"
    return f"<notification-{n.pk}.{n.created_at:%Y%m%d%H%M%S}@{domain}>"


class _Session:
    """One delivery run's connection to the mail server: opened at the first e-mail, closed at the end.

    Each send is recorded before the connection is closed (SMTP's QUIT), so the moment between the
    server accepting a message and the worker recording it is as short as it can be.
    """

    def __init__(self) -> None:
        self.connection: BaseEmailBackend | None = None

    def mail(self) -> BaseEmailBackend:
        if self.connection is None:
            self.connection = get_connection(fail_silently=False)
            self.connection.open()
        return self.connection

    def drop(self) -> None:
        """Close the connection (after a failure it may be broken: the next e-mail opens a new one)."""
        if self.connection is None:
            return
        try:
            self.connection.close()
        except Exception:  # a connection that already failed: nothing more to close
            logger.debug("closing the mail connection failed", exc_info=True)
        self.connection = None


def _send_email(n: Notification, session: _Session) -> None:
    # A header may not contain a line break; titles are one line on screen anyway.
    subject = " ".join(n.title.split())
    text = "\n\n".join(part for part in (n.body, _link(n.url)) if part)
    message = EmailMessage(
        subject,
        text or subject,
        None,
        [n.recipient.user.email],
        headers={"Message-ID": message_id(n)},
        connection=session.mail(),
    )
    message.send(fail_silently=False)


def _send_sms(n: Notification, session: _Session) -> None:
    text = n.title if not n.body else f"{n.title}\n{n.body}"
    result = send_sms(n.recipient.phone, text[:SMS_MAX_CHARS])
    if not result.ok:
        raise RuntimeError(result.error or "SMS gateway refused the message")


class _Channel:
    """The field names of one delivery channel (e-mail or SMS) and how to send on it."""

    def __init__(self, name: str, send: Callable[[Notification, _Session], None]) -> None:
        self.name = name
        self.status = f"{name}_status"
        self.after = f"{name}_deliver_after"
        self.sent_at = f"{name}_sent_at"
        self.error = f"{name}_error"
        self.attempts = f"{name}_attempts"
        self.first_try_at = f"{name}_first_try_at"
        self.claim = f"{name}_claim"
        self.claimed_at = f"{name}_claimed_at"
        self.send = send

    def due(self, now: datetime) -> Q:
        """Return the filter of copies on this channel whose time has come."""
        return Q(**{f"{self.status}__in": DUE_STATUSES}) & (
            Q(**{f"{self.after}__isnull": True}) | Q(**{f"{self.after}__lte": now})
        )

    def abandoned(self, now: datetime) -> Q:
        """Return the filter of copies whose sender died mid-send: claimed too long ago, still "sending"."""
        cutoff = now - timedelta(seconds=settings.SHOUWEN_DELIVERY_CLAIM_SECONDS)
        return Q(**{self.status: Delivery.SENDING}) & (
            Q(**{f"{self.claimed_at}__lte": cutoff})
            # claimed before claims carried a time: the send time was the claim time
            | Q(**{f"{self.claimed_at}__isnull": True, f"{self.sent_at}__lte": cutoff})
        )

    def claimable(self, now: datetime) -> Q:
        return self.due(now) | self.abandoned(now)


CHANNELS = {"email": _Channel("email", _send_email), "sms": _Channel("sms", _send_sms)}


def _hold_for_quiet_hours(channel: _Channel, now: datetime) -> int:
    """During quiet hours, hold non-urgent pending copies (e.g. queued while the worker was down).

    Non-urgent copies waiting for another try wait for the end of quiet hours too (still "retrying").
    """
    resume = quiet_hours_end(now)
    if resume is None:
        return 0
    retry_on_lock(
        lambda: Notification.objects.filter(
            Q(**{channel.status: Delivery.RETRYING, f"{channel.after}__lt": resume}), urgent=False
        ).update(**{channel.after: resume}),
        what="hold retries for quiet hours",
    )
    return retry_on_lock(
        lambda: Notification.objects.filter(Q(**{channel.status: Delivery.PENDING}), urgent=False).update(
            **{channel.status: Delivery.HELD, channel.after: resume}
        ),
        what="hold for quiet hours",
    )


def retry_wait(attempts: int) -> timedelta:
    """Return how long to wait after the ``attempts``-th failed try: doubling from the first wait, capped."""
    first = settings.SHOUWEN_DELIVERY_RETRY_FIRST_SECONDS
    longest = settings.SHOUWEN_DELIVERY_RETRY_MAX_SECONDS
    return timedelta(seconds=min(first * 2 ** min(max(attempts, 1) - 1, 20), longest))


def _due_ids(channel: _Channel, now: datetime) -> list[int]:
    """Return the ids of copies on the channel that may go out now (oldest first)."""
    return list(
        Notification.objects.filter(channel.claimable(now))
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )


def new_claim() -> str:
    """Return a token naming this worker and this one claim."""
    from shouwen.core.leases import worker_id

    return f"{worker_id()}:{uuid.uuid4().hex[:12]}"


def _claim(channel: _Channel, pk: int, now: datetime, token: str, at: datetime | None = None) -> bool:
    """Take one copy for this worker (due at ``now``, or abandoned by a dead one); False when another took it.

    ``at`` is the moment of the claim (the run's ``now`` plus the time the run has taken so far).
    """
    claimed = retry_on_lock(
        lambda: Notification.objects.filter(channel.claimable(now), pk=pk).update(
            **{
                channel.status: Delivery.SENDING,
                channel.claim: token,
                channel.claimed_at: at or now,
                channel.sent_at: None,
                channel.attempts: F(channel.attempts) + 1,
                channel.first_try_at: Coalesce(F(channel.first_try_at), now),
            }
        ),
        what="claim a notification",
    )
    return claimed == 1


def _mark(channel: _Channel, pk: int, token: str, **values: object) -> bool:
    """Record how sending a copy went, in one UPDATE that holds only while the claim is still ours.

    False when it is not (this worker took longer than its claim and another worker took the copy
    over): the other worker's record stands. A locked database delays the record, it never changes it.
    """
    updated = retry_on_lock(
        lambda: Notification.objects.filter(
            pk=pk, **{channel.status: Delivery.SENDING, channel.claim: token}
        ).update(**values),
        what="record a delivery",
    )
    if not updated:
        logger.error(
            "%s notification %s: the claim expired while this worker was sending; the other worker's "
            "record stands (raise SHOUWEN_DELIVERY_CLAIM_SECONDS)",
            channel.name,
            pk,
        )
    return updated == 1


# Errors that say the mail server cannot be reached at all, rather than refusing one message.
_SERVER_DOWN = (
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
)


def _after_failure(channel: _Channel, n: Notification, token: str, error: str, now: datetime) -> str:
    """Record a failed try: another try later while the retry window lasts, failed after it."""
    attempts: int = getattr(n, channel.attempts)
    first: datetime = getattr(n, channel.first_try_at) or now
    window = timedelta(minutes=settings.SHOUWEN_DELIVERY_RETRY_MINUTES)
    next_try = now + retry_wait(attempts)
    if next_try >= first + window:
        _mark(channel, n.pk, token, **{channel.status: Delivery.FAILED, channel.error: error})
        return Delivery.FAILED
    _mark(
        channel,
        n.pk,
        token,
        **{
            channel.status: Delivery.RETRYING,
            channel.error: error,
            channel.after: next_try,
            channel.sent_at: None,
        },
    )
    return Delivery.RETRYING


def _deliver_channel(channel: _Channel, now: datetime, started: float, until: float) -> dict[str, int]:
    """Send every due copy on one channel; return how many were sent, retried later, and failed for good."""
    session = _Session()
    try:
        return _deliver_on(channel, now, started, until, session)
    finally:
        session.drop()


def _deliver_on(
    channel: _Channel, now: datetime, started: float, until: float, session: _Session
) -> dict[str, int]:
    counts = {"sent": 0, "retrying": 0, "failed": 0, "held": _hold_for_quiet_hours(channel, now)}
    # Copies a dead worker left "sending" are listed with the due ones and sent again (a try more).
    for pk in _due_ids(channel, now):
        if time.monotonic() > until:
            break  # the rest goes out at the next run: a worker is never tied up for long
        token = new_claim()
        claim_time = now + timedelta(seconds=time.monotonic() - started)
        if not _claim(channel, pk, now, token, at=claim_time):
            continue
        n = Notification.objects.select_related("recipient__user").get(pk=pk)
        try:
            channel.send(n, session)
        except Exception as exc:  # any gateway or SMTP error: record it and go on with the next one
            session.drop()
            outcome = _after_failure(channel, n, token, f"{type(exc).__name__}: {exc}"[:300], now)
            logger.warning(
                "%s notification %s to %s failed (try %s, %s): %s",
                channel.name,
                pk,
                n.recipient,
                getattr(n, channel.attempts),
                outcome,
                exc,
            )
            counts["failed" if outcome == Delivery.FAILED else "retrying"] += 1
            if isinstance(exc, _SERVER_DOWN):
                # The server is down for every copy: the others wait for the next run rather than
                # each waiting out EMAIL_TIMEOUT now, which would hold up the worker (and the sweep).
                break
            continue
        # The last try's error stays until it is sent: the admin shows why it took several tries.
        _mark(channel, pk, token, **{channel.status: Delivery.SENT, channel.sent_at: timezone.now()})
        counts["sent"] += 1
    return counts


def deliver_pending(now: datetime | None = None) -> dict[str, int]:
    """Send the pending or held e-mail and SMS whose time has come; return the counts.

    One run sends for at most ``SHOUWEN_DELIVERY_RUN_SECONDS`` (then the next run goes on), so that a
    worker is soon free for the deadline sweep however much e-mail is waiting.
    """
    now = now or timezone.now()
    started = time.monotonic()
    until = started + settings.SHOUWEN_DELIVERY_RUN_SECONDS
    result: dict[str, int] = {}
    for name, channel in CHANNELS.items():
        for key, value in _deliver_channel(channel, now, started, until).items():
            result[f"{name}_{key}"] = value
    return result
