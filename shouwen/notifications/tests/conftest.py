"""Fixtures for notification tests: a real SMTP server, and staff with e-mail addresses and phones."""

from __future__ import annotations

import pytest


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Send e-mail through Django's SMTP backend to the test server; yields the collector."""
    collector, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return collector


@pytest.fixture
def no_quiet_hours(settings):
    """Switch quiet hours off, so delivery does not depend on when the test runs."""
    settings.SHOUWEN_QUIET_HOURS = ""


def _give_contact(staff, email_address=None, phone=""):
    """Give a staff member an e-mail address ("" for none) and/or a phone number."""
    if email_address is not None:
        staff.user.email = email_address
        staff.user.save(update_fields=["email"])
    if phone:
        staff.phone = phone
        staff.save(update_fields=["phone"])
    return staff


@pytest.fixture
def give_contact():
    """Return a function giving a staff member an e-mail address and/or a phone number."""
    return _give_contact


class StallingCollector:
    """An aiosmtpd handler that stalls the DATA phase of the first ``stall`` messages, keeping the others.

    A stalled message is never accepted: when its sender dies, aiosmtpd cancels the handler and the
    message is dropped, as a real mail server drops a transaction cut off before its reply.
    """

    def __init__(self, stall: int = 1) -> None:
        import threading

        self.stall = stall
        self.stalled = threading.Event()
        self.cut_off = 0
        self.messages: list = []
        self.arrived_at: list[float] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import asyncio
        import email
        import email.policy
        import time

        if self.stall > 0:
            self.stall -= 1
            self.stalled.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.cut_off += 1
                raise
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.arrived_at.append(time.time())
        return "250 Message accepted for delivery"


@pytest.fixture
def stalling_smtp_server():
    """A real SMTP server on 127.0.0.1 whose first message hangs in DATA; yields (collector, port)."""
    from aiosmtpd.controller import Controller

    from shouwen.core.testing import free_port

    port = free_port()
    collector = StallingCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield collector, port
    finally:
        controller.stop()
