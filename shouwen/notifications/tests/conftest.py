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
