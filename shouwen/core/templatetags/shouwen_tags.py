"""Template filters: masking of personal data."""

from __future__ import annotations

from django import template

from shouwen.access.masking import mask_id_number, mask_phone

register = template.Library()


@register.filter
def masked_phone(number: str) -> str:
    """Show a phone number masked (138****5678)."""
    return mask_phone(number or "")


@register.filter
def masked_id(number: str) -> str:
    """Show an ID number masked."""
    return mask_id_number(number or "")


@register.filter
def duration(value: object) -> str:
    """Show a timedelta (or seconds) as 1天2小时 / 3小时5分 / 4分钟."""
    from datetime import timedelta

    from django.utils.translation import gettext as _

    if value is None or value == "":
        return ""
    seconds = int(value.total_seconds()) if isinstance(value, timedelta) else int(value)  # type: ignore[call-overload]
    seconds = max(seconds, 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)s天%(h)s小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s小时%(m)s分") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)s分钟") % {"m": minutes}
    return _("不到1分钟")


@register.filter
def age(value: object) -> str:
    """Show how long ago a datetime was, as a duration."""
    from django.utils import timezone

    if value is None:
        return ""
    return duration(timezone.now() - value)  # type: ignore[operator]


@register.filter
def get_item(mapping: dict[str, object], key: str) -> object:
    """Look a key up in a dict from a template."""
    return mapping.get(key, "")


@register.filter
def absval(value: int | None) -> int:
    """Return the absolute value (for 'late by' figures)."""
    return abs(value or 0)


@register.filter
def seconds_until(value: object) -> int | None:
    """Seconds from now until a datetime (negative once it has passed); None for no datetime."""
    from datetime import datetime

    from django.utils import timezone

    if not isinstance(value, datetime):
        return None
    return int((value - timezone.now()).total_seconds())
