"""Issue: five wrong passwords locked anyone out for 15 minutes; username and staff number counted apart;
no per-address limit (30 names from one address, a row each forever); 12 parallel attempts recorded 6.

Now each further attempt waits 2^k seconds, capped at 15 minutes, per person and per address; the
counters are settled in the database and forgotten (deleted) after a quiet period.
"""

from __future__ import annotations

import ipaddress
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings

from shouwen.accounts.models import SignInThrottle
from shouwen.accounts.throttle import prune_counters
from shouwen.core.testing import PASSWORD, make_world

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
LOGIN = "/accounts/login/"


def _post(client: Client, login: str, password: str, ip: str, **extra: str):
    return client.post(LOGIN, {"username": login, "password": password}, REMOTE_ADDR=ip, **extra)


def _refused(response) -> bool:
    return "登录尝试过于频繁" in response.content.decode()


def _wrong(response) -> bool:
    return "用户名/工号或密码不正确" in response.content.decode()


def test_a_stranger_cannot_keep_the_owner_out_beyond_the_capped_delay(client, world):
    user = world.clerk.user
    with time_machine.travel(START, tick=False) as clock:
        # Fifty guesses from fifty addresses, each sent the moment the previous delay is over.
        for n in range(50):
            row = SignInThrottle.objects.filter(scope="account", key=f"user:{user.pk}").first()
            if row is not None and row.wait_until:
                clock.move_to(row.wait_until)
            assert _wrong(_post(client, "qiantai", "guess", f"203.0.113.{n + 1}"))
        row = SignInThrottle.objects.get(scope="account", key=f"user:{user.pk}")
        assert row.failures == 50
        assert row.wait_until - row.last_failure_at == timedelta(minutes=15)  # 2^45 s, capped

        # During the delay even the owner's right password is refused (without being checked) …
        owner = Client()
        assert _refused(_post(owner, "qiantai", PASSWORD, "192.0.2.10"))
        # … and at most 15 minutes after the stranger's last try, the owner is in.
        clock.move_to(row.last_failure_at + timedelta(minutes=15))
        assert _post(owner, "qiantai", PASSWORD, "192.0.2.10").status_code == 302
    row.refresh_from_db()
    assert row.failures == 0 and row.wait_until is None


def test_the_username_and_the_staff_number_share_one_counter(client, world):
    with time_machine.travel(START, tick=False):
        for login in ("qiantai", "LJ001", "lj001", "QianTai", "lj001"):
            assert _wrong(_post(client, login, "guess", "198.51.100.7"))
        assert _wrong(
            _post(client, "LJ001", "guess", "198.51.100.7")
        )  # the sixth is checked, then waits start
        assert _refused(_post(client, "qiantai", PASSWORD, "198.51.100.7"))
    rows = SignInThrottle.objects.filter(scope="account")
    assert [(r.key, r.failures, r.refused) for r in rows] == [(f"user:{world.clerk.user.pk}", 6, 1)]


def test_thirty_names_from_one_address_are_blocked_and_leave_no_row_per_name_forever(client, world):
    attacker = "198.51.100.99"
    with time_machine.travel(START, tick=False) as clock:
        answers = [_post(client, f"nobody{n}", "guess", attacker) for n in range(30)]
        assert all(_wrong(a) for a in answers[:21])  # twenty free, the 21st makes the address wait
        assert all(_refused(a) for a in answers[21:])
        address = SignInThrottle.objects.get(scope="address", key=attacker)
        assert (address.failures, address.refused) == (21, 9)
        # The same names from elsewhere are not blocked by this address's count.
        assert _wrong(_post(Client(), "nobody29", "guess", "192.0.2.44"))
        # Unknown names behave like accounts (the answers tell nobody which names exist) …
        assert SignInThrottle.objects.filter(scope="account", key__startswith="name:").count() == 22

        # … but only until they have been quiet for a day: the nightly upkeep deletes them.
        clock.shift(timedelta(hours=24, minutes=1))
        prune_counters()
    assert not SignInThrottle.objects.filter(key__startswith="name:").exists()
    assert not SignInThrottle.objects.filter(scope="address").exists()


def test_a_spoofed_forwarded_address_does_not_escape_the_address_count(client, world):
    """X-Forwarded-For from a peer that is not a configured proxy is ignored: one peer, one count."""
    with time_machine.travel(START, tick=False):
        answers = [
            _post(client, f"someone{n}", "guess", "198.51.100.50", HTTP_X_FORWARDED_FOR=f"10.9.{n}.1")
            for n in range(25)
        ]
    assert sum(_refused(a) for a in answers) == 4
    assert list(SignInThrottle.objects.filter(scope="address").values_list("key", flat=True)) == [
        "198.51.100.50"
    ]


@override_settings(SHOUWEN_TRUSTED_PROXIES=[ipaddress.ip_network("10.0.0.2/32")])
def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(client, world):
    for n in range(3):
        _post(client, "qiantai", "guess", "10.0.0.2", HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}")
    keys = set(SignInThrottle.objects.filter(scope="address").values_list("key", flat=True))
    assert keys == {"203.0.113.1", "203.0.113.2", "203.0.113.3"}


def test_sign_in_page_posts_are_throttled_per_address(client, world, settings):
    from django.core.cache import cache

    cache.clear()
    settings.SHOUWEN_THROTTLE_RATES = {**settings.SHOUWEN_THROTTLE_RATES, "sign_in": "5/min"}
    answers = [_post(client, "qiantai", "guess", "198.51.100.60") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60
    assert "登录请求过于频繁，请在" in answers[-1].content.decode()
    # The throttled post checked no password: five failures counted, not six.
    assert SignInThrottle.objects.get(scope="address", key="198.51.100.60").failures == 5
    assert (
        _post(Client(), "qiantai", PASSWORD, "192.0.2.61").status_code == 302
    )  # another address is not slowed


def _parallel_sign_ins(count: int, password: str, ip: str) -> list[str]:
    """Send ``count`` sign-ins at once from threads, each with its own database connection."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            barrier.wait(timeout=30)
            response = _post(Client(), "qiantai", password, ip)
            outcomes.append(
                "refused"
                if _refused(response)
                else "wrong"
                if _wrong(response)
                else str(response.status_code)
            )
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(outcomes) == count
    return outcomes


@pytest.mark.django_db(transaction=True)
@override_settings(SHOUWEN_SIGNIN_ACCOUNT_FREE_FAILURES=100, SHOUWEN_SIGNIN_ADDRESS_FREE_FAILURES=100)
def test_twelve_parallel_wrong_attempts_record_twelve_failures():
    world = make_world()
    outcomes = _parallel_sign_ins(12, "guess", "198.51.100.70")
    assert outcomes.count("wrong") == 12
    account = SignInThrottle.objects.get(scope="account", key=f"user:{world.clerk.user.pk}")
    address = SignInThrottle.objects.get(scope="address", key="198.51.100.70")
    assert account.failures == 12 and address.failures == 12


@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_get_no_more_password_checks_than_the_count_allows():
    """Each attempt is counted before its password is checked: twelve at once cannot all be guesses."""
    world = make_world()
    with time_machine.travel(START, tick=False):
        outcomes = _parallel_sign_ins(12, "guess", "198.51.100.71")
    assert sorted(outcomes) == ["refused"] * 6 + ["wrong"] * 6  # five free, the sixth starts the wait
    account = SignInThrottle.objects.get(scope="account", key=f"user:{world.clerk.user.pk}")
    assert (account.failures, account.refused) == (6, 6)
