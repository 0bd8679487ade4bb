"""Sign-in counters in the admin: read-only; deleting a row lifts its wait."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shouwen.accounts.models import SignInThrottle


@admin.register(SignInThrottle)
class SignInThrottleAdmin(admin.ModelAdmin[SignInThrottle]):
    """Who is being slowed down at sign-in; deleting a row lets that account or address try again at once."""

    list_display = ["scope", "key", "user", "failures", "refused", "last_failure_at", "wait_until", "last_ip"]
    list_filter = ["scope"]
    search_fields = ["key", "last_ip", "user__username"]
    readonly_fields = (
        "scope",
        "key",
        "user",
        "failures",
        "refused",
        "last_failure_at",
        "wait_until",
        "last_ip",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
