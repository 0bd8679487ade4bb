"""Shared pytest fixtures: the named-people world and signed-in clients."""

from __future__ import annotations

import email
import email.policy
import os
import time
from email.message import EmailMessage

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Browser tests are end-to-end checks CI runs once (see the `once` marker)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.once)


@pytest.fixture(autouse=True)
def _default_language():
    """Start every test in the site's language: a page fetched in English must not leave it active."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords quickly; production uses Argon2 (tested in accounts)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Rates no test reaches by accident; the throttling tests set low ones themselves.
UNTHROTTLED = {
    "user_read": "100000/min",
    "user_write": "100000/min",
    "anon": "100000/min",
    "sign_in": "100000/min",
}


@pytest.fixture(autouse=True)
def _throttles_out_of_the_way(settings):
    """Keep request throttles from slowing or failing tests that are not about them."""
    settings.SHOUWEN_THROTTLE_RATES = UNTHROTTLED


@pytest.fixture
def world(db):
    """The standard world of named people and places."""
    from shouwen.core.testing import make_world

    return make_world()


@pytest.fixture
def client_for(client):
    """Return a function that signs a Django test client in as a staff member."""

    def sign_in(staff):
        client.force_login(staff.user)
        return client

    return sign_in


@pytest.fixture
def api_for():
    """Return a function giving a DRF APIClient authenticated with a new token of the staff member."""
    from rest_framework.test import APIClient

    from shouwen.accounts.tokens import issue_token

    def make(staff):
        _row, token = issue_token(staff.user, name="test")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return api

    return make


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (Playwright's own browser download is not used)."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("SHOUWEN_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser page (desktop size, Chinese locale) per test."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def live_world(transactional_db):
    """The standard world, committed so that a live server thread sees it."""
    from shouwen.core.testing import make_world

    return make_world()


def sign_in_page(page, base_url, login, password=None):
    """Sign in through the real sign-in page."""
    from shouwen.core.testing import PASSWORD

    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", login)
    page.fill("#id_password", password or PASSWORD)
    page.click("#login-form button[type=submit]")
    # Desk staff land on the home page, technicians on their phone pages (/m/).
    page.wait_for_url(lambda url: url in (base_url + "/", base_url + "/m/"))


@pytest.fixture
def sign_in():
    """Return the page sign-in helper."""
    return sign_in_page


class Collector:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` messages have arrived; False on timeout."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 at a free port; yields (collector, port)."""
    from aiosmtpd.controller import Controller

    from shouwen.core.testing import free_port

    port = free_port()
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield collector, port
    finally:
        controller.stop()


@pytest.fixture
def throwaway_redis(tmp_path):
    """A real redis-server of the test's own on a free loopback port; yields its URL, stopped after."""
    import subprocess

    import redis

    from shouwen.core.testing import free_port

    port = free_port()
    command = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--dir",
        str(tmp_path),
    ]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603,S607
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        for _ in range(200):  # at most 10 s
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            raise AssertionError("redis-server did not answer within 10 s")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)
