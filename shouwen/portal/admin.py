"""The portal's rows in the admin: read-only (codes are hashes; requests are decided on the pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from shouwen.portal.models import CancelRequest, ResidentToken, SignInCode


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(SignInCode)
class SignInCodeAdmin(ReadOnly):
    list_display = ["__str__", "created_at", "expires_at", "attempts", "used_at", "sent", "ip"]
    exclude = ["code_hash"]


@admin.register(ResidentToken)
class ResidentTokenAdmin(ReadOnly):
    list_display = ["resident", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    exclude = ["digest"]


@admin.register(CancelRequest)
class CancelRequestAdmin(ReadOnly):
    list_display = ["case", "resident", "at", "status", "handled_by", "handled_at"]
