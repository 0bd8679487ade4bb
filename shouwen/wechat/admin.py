"""The accounts are configured in the admin (secrets written, never shown back); the rest is read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shouwen.wechat.models import Follower, InboundMessage, TemplatePush, WechatAccount

SECRETS = ("token", "app_secret")


class WechatAccountForm(forms.ModelForm):
    """Secrets are typed in and kept; left empty, the stored one stays."""

    token = forms.CharField(
        label=_("令牌(Token)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("留空则不修改；也可用环境变量 SHOUWEN_WECHAT_TOKEN_<AppID> 提供"),
    )
    app_secret = forms.CharField(
        label=_("AppSecret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("留空则不修改"),
    )

    class Meta:
        model = WechatAccount
        fields = ["estate", "name", "app_id", "original_id", "token", "app_secret", "template_id", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in SECRETS:
            if not data.get(name) and self.instance.pk:
                data[name] = getattr(WechatAccount.objects.get(pk=self.instance.pk), name)
        return data


@admin.register(WechatAccount)
class WechatAccountAdmin(admin.ModelAdmin):
    form = WechatAccountForm
    list_display = ("name", "estate", "app_id", "active")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Follower)
class FollowerAdmin(_ReadOnly):
    list_display = ("openid", "account", "subscribed", "resident", "bound_at", "last_message_at")
    list_filter = ("account", "subscribed")


@admin.register(InboundMessage)
class InboundMessageAdmin(_ReadOnly):
    list_display = ("follower", "msg_type", "sent_at", "case")
    list_filter = ("account", "msg_type")


@admin.register(TemplatePush)
class TemplatePushAdmin(_ReadOnly):
    list_display = ("case", "follower", "status_text", "status", "attempts", "sent_at")
    list_filter = ("status",)
