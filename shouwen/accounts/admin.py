"""Sign-in counters and API tokens in the admin: read-only, no token ever shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from knox.models import AuthToken as KnoxAuthToken

from shouwen.accounts.models import ApiToken, SignInThrottle
from shouwen.accounts.tokens import revoke_token

# knox registers its own token model, which this project replaces with ApiToken (KNOX_TOKEN_MODEL).
if admin.site.is_registered(KnoxAuthToken):
    admin.site.unregister(KnoxAuthToken)


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


@admin.action(description=_("撤销所选令牌"))
def revoke_selected(
    modeladmin: admin.ModelAdmin[ApiToken], request: HttpRequest, queryset: QuerySet[ApiToken]
) -> None:
    """Revoke the chosen tokens (the rows stay, marked with who revoked them and when)."""
    count = sum(revoke_token(request.user, token) for token in queryset)  # type: ignore[arg-type]
    modeladmin.message_user(
        request,
        ngettext("已撤销 %(count)d 个令牌。", "已撤销 %(count)d 个令牌。", count) % {"count": count},
        messages.SUCCESS,
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens by owner, prefix and dates; the digest and the token itself are never shown."""

    list_display = ["user", "prefix", "name", "created", "expiry", "last_used_at", "revoked_at", "revoked_by"]
    list_filter = ["revoked_at", "expiry"]
    search_fields = ["user__username", "name"]
    fields = ("user", "prefix", "name", "created", "expiry", "last_used_at", "revoked_at", "revoked_by")
    readonly_fields = fields
    actions = [revoke_selected]

    @admin.display(description=_("令牌开头"))
    def prefix(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are made by their owner (接口令牌 page) or by `shouwen token`

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked, not deleted: the record of who had access stays
