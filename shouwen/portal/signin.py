"""Signing a resident in: a one-time code by text message, or the signed link of a receipt.

The rules:

- A code is six digits, stored as a keyed hash (HMAC with the secret key), valid for
  ``SHOUWEN_PORTAL_CODE_MINUTES``, good for one sign-in and ``SHOUWEN_PORTAL_CODE_ATTEMPTS`` tries;
  asking again replaces the earlier code of the number.
- Asking for a code is throttled per phone number (``SHOUWEN_PORTAL_CODES_PER_PHONE``) and per client
  address (``SHOUWEN_PORTAL_CODES_PER_ADDRESS``) within an hour, with ``SHOUWEN_PORTAL_CODE_GAP_SECONDS``
  between two codes of one number; wrong codes are counted per address
  (``SHOUWEN_PORTAL_FAILURES_PER_ADDRESS`` an hour), so guessing across many numbers stops too.
- The answer never tells whether a number is a resident's: a number nobody has gets a code row
  counted like any other, only no text message goes out, and every check answers alike.
- A receipt's link (``django.core.signing``, ``SHOUWEN_PORTAL_LINK_DAYS``) names one case and its
  resident; it opens that case only, not the resident's other matters (the receipt may have gone to
  a caller's phone that is not the resident's).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.core.services import for_update
from shouwen.directory.models import Resident
from shouwen.directory.phones import MOBILE, normalize_phone
from shouwen.portal.models import FailedCodeCheck, SignInCode

logger = logging.getLogger("shouwen.portal")

LINK_SALT = "shouwen.portal.receipt-link"


class CodeThrottled(ValidationError):
    """Too many codes or wrong codes: ``wait`` seconds before the next try."""

    def __init__(self, message: str, wait: int) -> None:
        super().__init__(message, code="throttled")
        self.wait = wait


def code_digest(phone: str, code: str) -> str:
    """Return the keyed hash a code is stored as (useless without the secret key)."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"portal-code:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def clean_phone(raw: str) -> str:
    """Return the mobile number typed, normalised, or raise a message (only mobiles get codes)."""
    phone = normalize_phone(raw or "")
    if not MOBILE.match(phone):
        raise ValidationError(_("请输入 11 位手机号码。"), code="invalid_phone")
    return phone


def residents_of_phone(phone: str) -> list[Resident]:
    """Return the residents whose current numbers include ``phone``, oldest record first."""
    return list(
        Resident.objects.filter(phones__number=phone, phones__ended_at__isnull=True)
        .select_related("estate")
        .distinct()
        .order_by("pk")
    )


def _wait(since: timezone.datetime, window: timedelta) -> int:
    return max(1, int((since + window - timezone.now()).total_seconds()) + 1)


def _check_request_rate(phone: str, ip: str | None) -> None:
    now = timezone.now()
    hour = timedelta(hours=1)
    recent = SignInCode.objects.filter(phone=phone, created_at__gt=now - hour).order_by("-created_at")
    last = recent.first()
    gap = timedelta(seconds=settings.SHOUWEN_PORTAL_CODE_GAP_SECONDS)
    if last is not None and last.created_at > now - gap:
        raise CodeThrottled(
            _("验证码已发送，请 %(seconds)s 秒后再重新获取。") % {"seconds": _wait(last.created_at, gap)},
            _wait(last.created_at, gap),
        )
    if recent.count() >= settings.SHOUWEN_PORTAL_CODES_PER_PHONE:
        oldest = recent.order_by("created_at").first()
        assert oldest is not None
        raise CodeThrottled(
            _("该号码获取验证码过于频繁，请 %(minutes)s 分钟后再试。")
            % {"minutes": _wait(oldest.created_at, hour) // 60 + 1},
            _wait(oldest.created_at, hour),
        )
    if ip:
        by_address = SignInCode.objects.filter(ip=ip, created_at__gt=now - hour)
        if by_address.count() >= settings.SHOUWEN_PORTAL_CODES_PER_ADDRESS:
            raise CodeThrottled(_("获取验证码过于频繁，请一小时后再试。"), 3600)


def request_code(raw_phone: str, ip: str | None) -> None:
    """Send a sign-in code to the number if it is a resident's; answer alike for any number.

    Raises ValidationError for a number that is not a mobile, CodeThrottled past the limits.
    """
    from shouwen.core.sms import send_sms

    phone = clean_phone(raw_phone)
    code = f"{secrets.randbelow(10**6):06d}"
    known = bool(residents_of_phone(phone))
    with transaction.atomic():
        _check_request_rate(phone, ip)
        now = timezone.now()
        # An earlier code of the number stops working: only the newest text counts.
        SignInCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        row = SignInCode.objects.create(
            phone=phone,
            code_hash=code_digest(phone, code),
            created_at=now,
            expires_at=now + timedelta(minutes=settings.SHOUWEN_PORTAL_CODE_MINUTES),
            ip=ip,
            sent=known,
        )
    if not known:
        logger.info("portal code asked for an unknown number from %s", ip)
        return
    text = _("【首问客服】您的登录验证码是 %(code)s，%(minutes)s 分钟内有效。请勿告诉他人。") % {
        "code": code,
        "minutes": settings.SHOUWEN_PORTAL_CODE_MINUTES,
    }
    result = send_sms(phone, text)
    if not result.ok:
        logger.warning("portal code to %s not sent: %s", phone[-4:], result.error)
        SignInCode.objects.filter(pk=row.pk).update(sent=False)


def _wrong(phone: str, ip: str | None) -> ValidationError:
    FailedCodeCheck.objects.create(phone=phone, ip=ip)
    return ValidationError(_("验证码不正确或已过期，请重新获取。"), code="wrong_code")


def verify_code(raw_phone: str, code: str, ip: str | None) -> list[Resident]:
    """Check a code; on success use it up and return the number's residents (at least one).

    Any failure (no code, expired, used, too many tries, wrong) gives the same message.
    """
    phone = clean_phone(raw_phone)
    code = (code or "").strip()
    now = timezone.now()
    if ip and (
        FailedCodeCheck.objects.filter(ip=ip, at__gt=now - timedelta(hours=1)).count()
        >= settings.SHOUWEN_PORTAL_FAILURES_PER_ADDRESS
    ):
        raise CodeThrottled(_("验证码错误次数过多，请一小时后再试。"), 3600)
    with transaction.atomic():
        row = (
            for_update(SignInCode)
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if row is None or row.attempts >= settings.SHOUWEN_PORTAL_CODE_ATTEMPTS:
            error = _wrong(phone, ip)
        else:
            SignInCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            if not (code.isdigit() and hmac.compare_digest(row.code_hash, code_digest(phone, code))):
                error = _wrong(phone, ip)
            else:
                residents = residents_of_phone(phone)
                if not residents or not row.sent:
                    error = _wrong(phone, ip)
                else:
                    SignInCode.objects.filter(pk=row.pk).update(used_at=now)
                    return residents
    raise error


def prune_codes(now: timezone.datetime | None = None) -> int:
    """Delete codes and failure records older than a day (the counts only look back an hour)."""
    before = (now or timezone.now()) - timedelta(days=1)
    codes, _a = SignInCode.objects.filter(created_at__lt=before).delete()
    failures, _b = FailedCodeCheck.objects.filter(at__lt=before).delete()
    return codes + failures


# --- the receipt's signed link ------------------------------------------------------------------


@dataclass(frozen=True)
class LinkGrant:
    """What a receipt link opens: one case of one resident."""

    case_id: int
    resident_id: int


def link_token(case_id: int, resident_id: int) -> str:
    """Return the signed, timestamped token of a receipt link."""
    return signing.dumps({"c": case_id, "r": resident_id}, salt=LINK_SALT, compress=True)


def link_path(case_id: int, resident_id: int) -> str:
    """Return the path of the receipt link (``/r/l/<token>/``)."""
    from django.urls import reverse

    return reverse("portal:link", args=[link_token(case_id, resident_id)])


def link_url(case_id: int, resident_id: int) -> str:
    """Return the full link for a text message (SHOUWEN_SITE_URL in front when it is set)."""
    return settings.SHOUWEN_SITE_URL + link_path(case_id, resident_id)


def read_link(token: str) -> LinkGrant:
    """Return what a receipt link grants, or raise ValidationError (forged, expired, case moved)."""
    from shouwen.cases.models import Case

    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=timedelta(days=settings.SHOUWEN_PORTAL_LINK_DAYS))
        case_id, resident_id = int(data["c"]), int(data["r"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError(_("链接无效或已过期，请用手机验证码登录。"), code="bad_link") from None
    if not Case.objects.filter(Q(pk=case_id) & Q(resident_id=resident_id)).exists():
        raise ValidationError(_("链接无效或已过期，请用手机验证码登录。"), code="bad_link")
    return LinkGrant(case_id=case_id, resident_id=resident_id)
