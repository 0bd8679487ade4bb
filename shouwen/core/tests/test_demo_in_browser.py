"""From a fresh database, the demo serves the Chinese sign-in page and the clerk finds a resident.

This starts the system exactly as `make demo` does (`shouwen demo`: migrate, demo data, gunicorn)
on a new SQLite file, then drives it with headless Chromium.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from shouwen.core.testing import free_port, screenshot
from shouwen.development.directory_demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """Run `shouwen demo` on a fresh SQLite database and yield (base_url, database path)."""
    var = tmp_path_factory.mktemp("demo-var")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"SHOUWEN_VAR_DIR": str(var), "WEB_CONCURRENCY": "1", "PYTHONUNBUFFERED": "1"})
    log = open(var / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "shouwen.cli", "demo", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    # Migrating and loading the demo data takes about a minute on a quiet two-core machine, several on a busy one.
    deadline = time.monotonic() + 600
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:  # noqa: S310 - loopback only
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            raise AssertionError((var / "server.log").read_text(errors="replace")[-3000:])
        time.sleep(0.5)
    yield base, var / "shouwen.sqlite3"
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def test_clerk_signs_in_and_finds_resident_by_last_four_digits(demo_server, page):
    base, db_path = demo_server
    with sqlite3.connect(db_path) as db:
        name, number = db.execute(
            "SELECT r.name, p.number FROM directory_residentphone p JOIN directory_resident r ON r.id = p.resident_id"
            " JOIN directory_estate e ON e.id = r.estate_id WHERE e.code = 'LJY' ORDER BY p.id LIMIT 1 OFFSET 37"
        ).fetchone()

    page.goto(base + "/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "首问客服系统 · 员工登录"
    screenshot(page, "demo-sign-in")

    page.fill("#id_username", "qiantai")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(base + "/")
    assert "您好，丽景园" not in page.content()  # greeting is for the person, not the estate
    assert "我姓王，工号LJ103" in page.content()

    page.click("text=住户查询")
    page.fill("input[name=q]", number[-4:])
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    results = page.locator("table.results tbody")
    assert name in results.inner_text()
    masked = number[:3] + "****" + number[-4:]
    assert masked in results.inner_text()
    assert number not in page.content()  # the full number is never on a list page
    screenshot(page, "demo-resident-search")


def test_the_demo_prints_the_sign_ins_once_and_keeps_staff_mail_in_a_folder(demo_server):
    base, db_path = demo_server
    var = db_path.parent
    mail = var / "mail"
    deadline = time.monotonic() + 60
    # The worker delivers the escalations the demo data's sweep raised: to files, not to a missing server.
    while not any(mail.glob("*.log")) and time.monotonic() < deadline:
        time.sleep(1)
    log = (var / "server.log").read_text(errors="replace")
    assert log.count("Demo sign-ins") == 1
    assert f"Staff e-mail is written to {mail}/" in log
    assert "Connection refused" not in log and "failed" not in log.lower()
    messages = "".join(p.read_text(errors="replace") for p in mail.glob("*.log"))
    assert "@anju-wuye.example" in messages
