"""Issue: no throttling anywhere: 300 API calls in 2.3 s all answered; a cleaner texted one caller the receipt 10 times.

Now DRF throttles count per account (reads and writes apart) and per address (anonymous), in the
database cache or Redis, with rates an administrator edits; a 429 says in the reader's language
when to try again (Retry-After); a case texts its resident at most SHOUWEN_SMS_PER_CASE_PER_DAY times a day.
"""

from __future__ import annotations

import ipaddress
import subprocess
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis
import time_machine
from django.core.cache import cache, caches
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from shouwen.cases import services
from shouwen.core.models import ThrottleRate
from shouwen.core.sms import LogSmsBackend
from shouwen.core.testing import free_port

SHANGHAI = ZoneInfo("Asia/Shanghai")
REAL_RATES = {"user_read": "120/min", "user_write": "30/min", "anon": "20/min", "sign_in": "60/min"}


@pytest.fixture
def real_rates(settings):
    """The production defaults, with empty counters."""
    settings.SHOUWEN_THROTTLE_RATES = REAL_RATES
    cache.clear()
    yield
    cache.clear()


def test_three_hundred_calls_in_a_row_meet_a_429_with_retry_after(world, api_for, real_rates):
    api = api_for(world.clerk)
    answers = [api.get("/api/v1/me/") for _ in range(300)]
    codes = [a.status_code for a in answers]
    assert codes == [200] * 120 + [429] * 180
    throttled = answers[-1]
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert throttled.json()["detail"] == f"请求过于频繁，请在 {throttled['Retry-After']} 秒后再试。"
    english = api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 429
    assert (
        english.json()["detail"]
        == f"Too many requests; please try again in {english['Retry-After']} seconds."
    )


def test_the_budget_is_per_account_and_comes_back_after_the_period(world, api_for, real_rates):
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), tick=False) as clock:
        clerk = api_for(world.clerk)
        for _ in range(120):
            clerk.get("/api/v1/me/")
        assert clerk.get("/api/v1/me/").status_code == 429
        assert api_for(world.clerk).get("/api/v1/me/").status_code == 429  # a second token: same account
        assert (
            api_for(world.supervisor).get("/api/v1/me/").status_code == 200
        )  # another account is not slowed
        clock.shift(timedelta(seconds=61))
        assert clerk.get("/api/v1/me/").status_code == 200


def test_writes_have_their_own_budget(world, api_for, real_rates):
    api = api_for(world.clerk)
    codes = [api.post("/api/v1/notifications/read-all/").status_code for _ in range(31)]
    assert codes == [200] * 30 + [429]
    assert api.get("/api/v1/me/").status_code == 200  # reads are counted apart


def test_anonymous_requests_and_wrong_tokens_are_counted_per_address(db, real_rates):
    stranger = APIClient(REMOTE_ADDR="198.51.100.80")
    codes = [stranger.get("/api/v1/me/").status_code for _ in range(15)]
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)  # guessing tokens counts the same
    codes += [stranger.get("/api/v1/me/").status_code for _ in range(10)]
    assert codes == [401] * 20 + [429] * 5
    other = APIClient(REMOTE_ADDR="198.51.100.81")
    assert other.get("/api/v1/me/").status_code == 401


@override_settings(SHOUWEN_TRUSTED_PROXIES=[ipaddress.ip_network("10.0.0.0/24")])
def test_forwarded_addresses_count_only_from_a_trusted_proxy(db, real_rates):
    def burst(peer: str, forwarded: str) -> list[int]:
        api = APIClient(REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
        return [api.get("/api/v1/me/").status_code for _ in range(21)]

    # Spoofed from an untrusted peer: every "client" is the peer itself, one budget.
    assert burst("198.51.100.90", "1.1.1.1")[-1] == 429
    assert burst("198.51.100.90", "2.2.2.2")[-1] == 429
    # Through the trusted proxy: each client has its own budget.
    assert burst("10.0.0.5", "203.0.113.1").count(429) == 1
    assert burst("10.0.0.5", "203.0.113.2").count(429) == 1


def test_an_administrator_changes_a_rate_in_the_admin_and_it_applies_at_once(
    world, api_for, client, real_rates
):
    client.force_login(world.staff["admin"].user)
    response = client.post("/admin/core/throttlerate/add/", {"scope": "user_read", "rate": "lots"})
    assert response.status_code == 200 and "不是有效的频率" in response.content.decode()
    response = client.post("/admin/core/throttlerate/add/", {"scope": "user_read", "rate": "3/min"})
    assert response.status_code == 302
    assert ThrottleRate.objects.get(scope="user_read").updated_by == world.staff["admin"].user
    api = api_for(world.clerk)
    assert [api.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_throttle_counters_live_in_the_database_not_in_the_process(world, api_for, real_rates):
    assert caches["default"].__class__.__name__ == "DatabaseCache"
    api_for(world.clerk).get("/api/v1/me/")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM shouwen_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any(f"throttle_user_read_{world.clerk.user.pk}" in key for key in keys)


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on a free loopback port, stopped after the test."""
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - Debian's redis-server, on loopback only
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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


def test_throttle_counters_can_live_in_redis(world, api_for, settings, redis_url):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    settings.SHOUWEN_THROTTLE_RATES = {**REAL_RATES, "user_read": "5/min"}
    api = api_for(world.clerk)
    assert [api.get("/api/v1/me/").status_code for _ in range(6)] == [200] * 5 + [429]
    assert any(b"throttle_user_read" in key for key in redis.Redis.from_url(redis_url).keys("*"))


def test_shouwen_cache_url_selects_redis(tmp_path):
    script = "import django, os; django.setup(); from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    env = {
        "DJANGO_SETTINGS_MODULE": "shouwen.settings",
        "SHOUWEN_VAR_DIR": str(tmp_path),
        "SHOUWEN_CACHE_URL": "redis://127.0.0.1:6379/3",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "django.core.cache.backends.redis.RedisCache"
    env["SHOUWEN_CACHE_URL"] = "memcached://nowhere"
    bad = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "SHOUWEN_CACHE_URL must be a redis:// URL" in bad.stderr


# --- text messages to the resident ---------------------------------------------------------


def _case(world):
    return world.register(content="楼上装修噪音太大", caller_name="", resident=None, unit=None)


def test_a_cleaner_resending_the_receipt_ten_times_gets_three_through(world, api_for):
    case = _case(world)
    before = len(LogSmsBackend.sent)
    api = api_for(world.staff["cleaning"])
    answers = [api.post(f"/api/v1/cases/{case.number}/send-receipt/") for _ in range(10)]
    assert [a.status_code for a in answers] == [200] * 3 + [429] * 7
    assert len(LogSmsBackend.sent) - before == 3
    assert case.events.filter(kind="receipt_sent").count() == 3
    refused = answers[-1]
    assert "24 小时内已给住户发送 3 条短信，已达上限" in refused.json()["detail"]
    assert 23 * 3600 < int(refused["Retry-After"]) <= 24 * 3600
    english = api.post(f"/api/v1/cases/{case.number}/send-receipt/", HTTP_ACCEPT_LANGUAGE="en")
    assert "already had 3 text messages" in english.json()["detail"]


def test_the_receipt_limit_is_per_case_and_frees_up_after_a_day(world, client_for, settings):
    settings.SHOUWEN_SMS_PER_CASE_PER_DAY = 2
    first, second = _case(world), _case(world)
    client = client_for(world.clerk)
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), tick=False) as clock:
        for _ in range(3):
            client.post(f"/cases/{first.number}/do/send_receipt/")
        page = client.get(f"/cases/{first.number}/").content.decode()
        assert "已达上限" in page and "12-02 09:00" in page
        assert first.events.filter(kind="receipt_sent").count() == 2
        services.send_receipt(world.clerk, second)  # another case has its own allowance
        clock.shift(timedelta(hours=24, seconds=1))
        services.send_receipt(world.clerk, first)
    assert first.events.filter(kind="receipt_sent").count() == 3
