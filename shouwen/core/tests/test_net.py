"""client_ip: X-Forwarded-For is believed only from a configured proxy."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings

from shouwen.core.net import client_ip
from shouwen.env import envnetworks, envrate

PROXIES = [ipaddress.ip_network("10.0.0.0/24"), ipaddress.ip_network("2001:db8::/64")]


def _request(peer: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **extra)


def test_without_configured_proxies_the_peer_is_the_client_whatever_the_header_says():
    assert client_ip(_request("198.51.100.7", "1.2.3.4")) == "198.51.100.7"


@override_settings(SHOUWEN_TRUSTED_PROXIES=PROXIES)
def test_a_spoofed_header_from_an_untrusted_peer_is_ignored():
    assert client_ip(_request("198.51.100.7", "10.0.0.9, 1.2.3.4")) == "198.51.100.7"


@override_settings(SHOUWEN_TRUSTED_PROXIES=PROXIES)
def test_the_header_from_a_trusted_proxy_is_used_from_the_right():
    assert client_ip(_request("10.0.0.5", "203.0.113.9")) == "203.0.113.9"
    # What the client wrote itself stands left of what our proxy appended: the proxy's entry wins.
    assert client_ip(_request("10.0.0.5", "6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    # Two trusted proxies in a row are skipped.
    assert client_ip(_request("10.0.0.5", "203.0.113.9, 10.0.0.7")) == "203.0.113.9"
    assert client_ip(_request("2001:db8::1", "[2001:db8:1::5]:4711")) == "2001:db8:1::5"


@override_settings(SHOUWEN_TRUSTED_PROXIES=PROXIES)
def test_a_trusted_proxy_without_a_usable_header_is_the_client():
    assert client_ip(_request("10.0.0.5")) == "10.0.0.5"
    assert client_ip(_request("10.0.0.5", "not-an-address")) == "10.0.0.5"
    assert client_ip(_request("::ffff:10.0.0.5", "203.0.113.9")) == "203.0.113.9"  # dual-stack socket form


def test_settings_refuse_a_bad_proxy_or_rate(monkeypatch):
    monkeypatch.setenv("PROXIES", "10.0.0.1, 192.168.0.0/16")
    assert [str(n) for n in envnetworks("PROXIES")] == ["10.0.0.1/32", "192.168.0.0/16"]
    monkeypatch.setenv("PROXIES", "10.0.0.1, proxy.example")
    with pytest.raises(ImproperlyConfigured, match="proxy.example"):
        envnetworks("PROXIES")
    monkeypatch.setenv("RATE", "120/min")
    assert envrate("RATE", "1/s") == "120/min"
    for bad in ("120", "0/min", "120/fortnight", "120 / min"):
        monkeypatch.setenv("RATE", bad)
        with pytest.raises(ImproperlyConfigured):
            envrate("RATE", "1/s")
