"""Read settings from environment variables, failing loudly on bad values."""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import time

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_RATE = re.compile(r"(?P<count>\d+)/(?P<period>s|sec|second|m|min|minute|h|hour|d|day)")
_TIME_RANGE = re.compile(r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})")


def envbool(name: str, default: bool) -> bool:
    """Return the boolean value of an environment variable."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def envint(name: str, default: int, minimum: int | None = None) -> int:
    """Return the integer value of an environment variable."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def envstr(name: str, default: str) -> str:
    """Return the string value of an environment variable."""
    return os.environ.get(name, default)


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """Return an environment variable that must be one of ``choices``."""
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {', '.join(choices)}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated environment variable as a list of non-empty items."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_time_range(name: str, raw: str) -> tuple[time, time] | None:
    """Return the (start, end) clock times of "HH:MM-HH:MM", None for an empty value."""
    value = raw.strip()
    if not value:
        return None
    match = _TIME_RANGE.fullmatch(value)
    if match is None:
        raise ImproperlyConfigured(f'{name}={raw!r} is not a time range like "22:00-07:00" (or "" for none)')
    try:
        start = time(int(match["h1"]), int(match["m1"]))
        end = time(int(match["h2"]), int(match["m2"]))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} has a time that does not exist") from exc
    if start == end:
        raise ImproperlyConfigured(f"{name}={raw!r} starts and ends at the same time")
    return start, end


def envheader(name: str) -> tuple[str, str] | None:
    """Return a "Header-Name: value" variable as Django's (META key, value) pair, None when unset or empty.

    ``SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https"`` gives ``("HTTP_X_FORWARDED_PROTO", "https")``.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    header, sep, value = raw.partition(":")
    header, value = header.strip(), value.strip()
    if not sep or not value or not re.fullmatch(r"[A-Za-z0-9-]+", header):
        raise ImproperlyConfigured(
            f'{name}={raw!r} is not a header and its value like "X-Forwarded-Proto: https"'
        )
    return "HTTP_" + header.upper().replace("-", "_"), value


def envnetworks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Return a comma-separated list of IP addresses or CIDR networks (e.g. "10.0.0.1, 192.168.0.0/24")."""
    networks = []
    for item in envlist(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}: {item!r} is not an IP address or network") from exc
    return networks


def envnetworks_default(items: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Return the networks of a default list written in the code."""
    return [ipaddress.ip_network(item, strict=False) for item in items]


def parse_rate(name: str, raw: str) -> str:
    """Return a request rate like "120/min" unchanged, failing loudly when it is not one."""
    value = raw.strip()
    match = _RATE.fullmatch(value)
    if match is None or int(match["count"]) < 1:
        raise ImproperlyConfigured(f'{name}={raw!r} is not a rate like "120/min" (per s, min, hour or day)')
    return value


def envrate(name: str, default: str) -> str:
    """Return a request rate from an environment variable, e.g. "30/min"."""
    return parse_rate(name, os.environ.get(name, default))
