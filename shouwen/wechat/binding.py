"""Binding a follower to a resident by phone verification, in the conversation.

An unbound follower sends the mobile number registered with the property office; if a resident of
the account's estate has it, a six-digit code goes to that number by text message (the SMS
interface); the follower sends the code back and is bound. The reply never says whether a number
is registered (no one learns who lives there by trying numbers). Codes are kept as keyed hashes,
expire after ``CODE_MINUTES``, allow ``MAX_TRIES`` wrong tries and are used once; a follower, and
a number, get at most ``PER_HOUR`` codes an hour.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from shouwen.core.sms import send_sms
from shouwen.directory.models import Resident
from shouwen.directory.phones import normalize_phone
from shouwen.wechat.models import BindRequest, Follower

CODE_MINUTES = 10
MAX_TRIES = 5
PER_HOUR = 3
MOBILE = re.compile(r"^1[3-9]\d{9}$")
CODE = re.compile(r"^\d{6}$")


def mask_name(name: str) -> str:
    """Return the name with all but its first character hidden (张伟 → 张*)."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _hash(request: BindRequest, code: str) -> str:
    return salted_hmac("shouwen.wechat.bind", f"{request.pk}:{code}", algorithm="sha256").hexdigest()


def bind_hint(follower: Follower) -> str:
    """Return the line that tells an unbound follower how to bind ("" once bound)."""
    if follower.resident_id is not None:
        return ""
    return _("回复您在物业登记的手机号码，验证后即可绑定住户身份，接收事项处理进度。")


def handle_binding_text(follower: Follower, text: str) -> str | None:
    """Act on a phone number or a code from an unbound follower; None when the text is not one."""
    if follower.resident_id is not None:
        return None
    compact = re.sub(r"[\s-]", "", text or "")
    if MOBILE.match(compact):
        return request_code(follower, compact)
    if CODE.match(compact) and _live(follower) is not None:
        return confirm_code(follower, compact)
    return None


def _live(follower: Follower) -> BindRequest | None:
    return (
        BindRequest.objects.filter(follower=follower, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at", "-pk")
        .first()
    )


def request_code(follower: Follower, phone: str) -> str:
    """Send a code to the number if a resident of the estate has it; the reply is the same either way."""
    now = timezone.now()
    phone = normalize_phone(phone)
    hour_ago = now - timedelta(hours=1)
    recent = BindRequest.objects.filter(created_at__gte=hour_ago)
    if recent.filter(follower=follower).count() >= PER_HOUR or recent.filter(phone=phone).count() >= PER_HOUR:
        return _("验证码发送过于频繁，请一小时后再试。")
    account = follower.account
    resident = (
        Resident.objects.filter(estate=account.estate_id, phones__number=phone)
        .order_by("pk")
        .distinct()
        .first()
    )
    request = BindRequest.objects.create(
        follower=follower, phone=phone, resident=resident, expires_at=now + timedelta(minutes=CODE_MINUTES)
    )
    if resident is not None:
        code = f"{secrets.randbelow(1_000_000):06d}"
        request.code_hash = _hash(request, code)
        request.save(update_fields=["code_hash"])
        send_sms(
            phone,
            _(
                "【%(company)s】您的微信公众号绑定验证码为 %(code)s，%(minutes)s 分钟内有效。如非本人操作请忽略。"
            )
            % {"company": account.estate.company.name, "code": code, "minutes": CODE_MINUTES},
        )
    return _("如该号码已在物业登记，验证码已通过短信发送，请在 %(minutes)s 分钟内回复 6 位验证码。") % {
        "minutes": CODE_MINUTES
    }


def confirm_code(follower: Follower, code: str) -> str:
    """Bind the follower when the code matches its live request; count a wrong try."""
    request = BindRequest.objects.select_for_update().filter(pk=getattr(_live(follower), "pk", None)).first()
    if request is None or request.attempts >= MAX_TRIES:
        return _("验证码已失效，请重新发送手机号码。")
    if request.resident_id is None or not constant_time_compare(request.code_hash, _hash(request, code)):
        request.attempts += 1
        request.save(update_fields=["attempts"])
        if request.attempts >= MAX_TRIES:
            return _("验证码错误次数过多，请重新发送手机号码。")
        return _("验证码不正确，请核对后重新回复。")
    now = timezone.now()
    request.used_at = now
    request.save(update_fields=["used_at"])
    follower.resident_id, follower.bound_at = request.resident_id, now
    follower.save(update_fields=["resident", "bound_at"])
    assert request.resident is not None
    return _("绑定成功（%(name)s）。此后您的事项处理进度会通过本公众号通知您。") % {
        "name": mask_name(request.resident.name)
    }
