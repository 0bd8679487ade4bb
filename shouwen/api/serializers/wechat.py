"""Serializers of the WeChat official accounts: configuration without secrets, followers masked."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from shouwen.wechat.models import Follower, WechatAccount


def mask_openid(openid: str) -> str:
    """Return the openid with all but its first and last four characters hidden."""
    if len(openid) <= 8:
        return "*" * len(openid)
    return f"{openid[:4]}{'*' * (len(openid) - 8)}{openid[-4:]}"


class WechatAccountSerializer(serializers.ModelSerializer):
    """An estate's account as WeChat's server configuration needs it; secrets only as set or not."""

    token_set = serializers.SerializerMethodField()
    app_secret_set = serializers.SerializerMethodField()
    server_path = serializers.SerializerMethodField()

    class Meta:
        model = WechatAccount
        fields = [
            "id",
            "estate",
            "name",
            "app_id",
            "original_id",
            "template_id",
            "active",
            "token_set",
            "app_secret_set",
            "server_path",
            "updated_at",
        ]
        read_only_fields = fields

    def get_token_set(self, account: WechatAccount) -> bool:
        return bool(account.server_token())

    def get_app_secret_set(self, account: WechatAccount) -> bool:
        return bool(account.app_secret)

    def get_server_path(self, account: WechatAccount) -> str:
        """The path to enter as the server URL (服务器地址) in WeChat's configuration."""
        return reverse("wechat:server", args=[account.app_id])


class FollowerSerializer(serializers.ModelSerializer):
    """A follower with the openid masked and, once bound, the resident's id and name."""

    openid = serializers.SerializerMethodField()
    estate = serializers.IntegerField(source="account.estate_id", read_only=True)
    resident_name = serializers.CharField(source="resident.name", read_only=True, default="")

    class Meta:
        model = Follower
        fields = [
            "id",
            "account",
            "estate",
            "openid",
            "subscribed",
            "subscribed_at",
            "unsubscribed_at",
            "resident",
            "resident_name",
            "bound_at",
            "first_seen_at",
            "last_message_at",
        ]
        read_only_fields = fields

    def get_openid(self, follower: Follower) -> str:
        return mask_openid(follower.openid)
