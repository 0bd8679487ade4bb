"""Production settings: `check --deploy` is clean, HTTPS is enforced, cookies and headers are strict.

Settings are read once per process, so production mode runs in a child process with a strong key.
Development mode (`make demo` on http://127.0.0.1:8000) is this test process itself.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shouwen.core.csp import build_policy
from shouwen.env import envheader

PROJECT_DIR = Path(__file__).resolve().parents[4]

# Run in the child: requests through Django's test client, reported as JSON on the last line.
REQUESTS = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "shouwen.settings"
import django
django.setup()
from django.conf import settings
from django.test import Client
from shouwen.core.csp import build_policy

def seen(response):
    cookies = {
        name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]), "samesite": c["samesite"]}
        for name, c in response.cookies.items()
    }
    return {"status": response.status_code, "headers": dict(response.headers), "cookies": cookies}

client = Client()
out = {
    "plain": seen(client.get("/accounts/login/")),
    "plain_health": seen(client.get("/healthz")),
    "secure": seen(client.get("/accounts/login/", secure=True)),
    "proxied": seen(client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})),
    "language": seen(client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True)),
    "policy": build_policy(settings.SECURE_CSP),
    "session": [settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_SECURE,
                settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE],
}
print(json.dumps(out))
"""


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Return a production environment with a strong secret key and its own var/ folder.

    The child uses an empty SQLite file there: the settings are the point, and the health check only
    asks the database to answer.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SHOUWEN_MODE": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SHOUWEN_VAR_DIR": str(tmp_path),
    }
    env.update(extra)
    return env


def run_production(tmp_path: Path, **extra: str) -> dict:
    """Return what the production-mode child saw of its requests and settings."""
    result = subprocess.run(
        [sys.executable, "-c", REQUESTS],
        env=child_env(tmp_path, **extra),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    """What a production-mode process with default settings saw."""
    return run_production(tmp_path_factory.mktemp("production"))


def test_check_deploy_prints_no_warning_in_production_mode(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "shouwen.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=child_env(tmp_path),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output


def test_check_deploy_names_what_an_operator_turned_off(tmp_path):
    """Turning HTTPS enforcement off is possible, and `check --deploy` then says so."""
    result = subprocess.run(
        [sys.executable, "-m", "shouwen.cli", "check", "--deploy"],
        env=child_env(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_HSTS_PRELOAD="no"),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "security.W008" in result.stderr and "security.W021" in result.stderr


def test_production_redirects_plain_http_and_sends_hsts_over_https(production):
    seen = production
    assert seen["plain"]["status"] == 301
    assert seen["plain"]["headers"]["Location"] == "https://testserver/accounts/login/"
    # The health check answers over plain HTTP for monitors on the machine.
    assert seen["plain_health"]["status"] == 200
    headers = seen["secure"]["headers"]
    assert seen["secure"]["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Content-Security-Policy"] == seen["policy"]


def test_production_cookies_are_secure_httponly_samesite_and_host_only(production):
    seen = production
    assert seen["secure"]["cookies"] == {
        "__Host-csrftoken": {"secure": True, "httponly": True, "samesite": "Lax"}
    }
    assert seen["language"]["cookies"]["django_language"] == {
        "secure": True,
        "httponly": True,
        "samesite": "Lax",
    }
    assert seen["session"] == ["__Host-sessionid", True, True, "Lax"]


def test_behind_a_tls_proxy_the_forwarded_scheme_is_trusted_only_when_configured(production, tmp_path):
    assert production["proxied"]["status"] == 301  # a client's own X-Forwarded-Proto is not believed

    seen = run_production(tmp_path, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https")
    assert seen["proxied"]["status"] == 200
    assert seen["proxied"]["headers"]["Strict-Transport-Security"].startswith("max-age=31536000")
    assert seen["plain"]["status"] == 301

    seen = run_production(tmp_path, SECURE_SSL_REDIRECT="off")  # the proxy redirects by itself
    assert seen["plain"]["status"] == 200
    assert "Strict-Transport-Security" not in seen["plain"]["headers"]


def test_the_content_security_policy_is_the_same_in_every_mode(production):
    policy = build_policy(settings.SECURE_CSP)
    assert production["policy"] == policy
    assert policy == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def test_development_mode_serves_plain_http_with_the_same_headers(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["Content-Security-Policy"] == build_policy(settings.SECURE_CSP)
    assert response.headers["X-Frame-Options"] == "DENY"
    csrf = response.cookies[settings.CSRF_COOKIE_NAME]
    assert settings.CSRF_COOKIE_NAME == "csrftoken" and not csrf["secure"] and csrf["httponly"]


def test_the_proxy_header_setting_reads_as_on_the_wire_and_refuses_garbage(monkeypatch):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https")
    assert envheader("SECURE_PROXY_SSL_HEADER") == ("HTTP_X_FORWARDED_PROTO", "https")
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "")
    assert envheader("SECURE_PROXY_SSL_HEADER") is None
    for bad in ("X-Forwarded-Proto", "X-Forwarded-Proto:", "X Forwarded: https"):
        monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", bad)
        with pytest.raises(ImproperlyConfigured):
            envheader("SECURE_PROXY_SSL_HEADER")
