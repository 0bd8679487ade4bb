"""Text messages to residents behind one interface; the default backend writes to the log.

A company plugs in its SMS gateway by naming a backend class in ``SHOUWEN_SMS_BACKEND``; the
gateway is the one thing Shouwen cannot reach from a test machine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("shouwen.sms")


@dataclass(frozen=True)
class SmsResult:
    """What the gateway answered."""

    ok: bool
    reference: str = ""
    error: str = ""


class SmsBackend(Protocol):
    """Anything with ``send(phone, text)``."""

    def send(self, phone: str, text: str) -> SmsResult: ...


class LogSmsBackend:
    """Write the message to the ``shouwen.sms`` log instead of sending it."""

    sent: list[tuple[str, str]] = []  # kept for inspection in development

    def send(self, phone: str, text: str) -> SmsResult:
        logger.info("SMS to %s: %s", phone, text)
        self.sent.append((phone, text))
        return SmsResult(ok=True, reference=f"log-{len(self.sent)}")


def get_backend() -> SmsBackend:
    """Return the configured SMS backend."""
    path = getattr(settings, "SHOUWEN_SMS_BACKEND", "shouwen.core.sms.LogSmsBackend")
    return import_string(path)()


def send_sms(phone: str, text: str) -> SmsResult:
    """Send one text message through the configured backend."""
    if not phone:
        return SmsResult(ok=False, error="no phone number")
    return get_backend().send(phone, text)
