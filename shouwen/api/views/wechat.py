"""API of the WeChat official accounts: their configuration (administrators, no secrets) and followers.

The server URL WeChat posts messages to is not part of this API (``shouwen.wechat.views``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.exceptions import ValidationError

from shouwen.access.roles import Cap
from shouwen.api.serializers.wechat import FollowerSerializer, WechatAccountSerializer
from shouwen.api.views.base import ScopedReadOnlyViewSet
from shouwen.wechat.models import Follower, WechatAccount


@extend_schema_view(
    list=extend_schema(description=gettext_lazy("所服务小区的微信公众号配置（不含令牌和密钥）。")),
)
class WechatAccountViewSet(ScopedReadOnlyViewSet):
    """The official accounts of the user's estates, read-only; configured in the admin."""

    queryset = WechatAccount.objects.order_by("estate", "pk")
    serializer_class = WechatAccountSerializer
    read_cap = Cap.ADMIN_SITE


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT, description=gettext_lazy("只列出该小区的")),
            OpenApiParameter(
                "bound",
                OpenApiTypes.BOOL,
                description=gettext_lazy("只列出已绑定（true）或未绑定（false）的"),
            ),
        ],
        description=gettext_lazy("公众号粉丝（OpenID 已遮挡）。"),
    ),
)
class FollowerViewSet(ScopedReadOnlyViewSet):
    """The followers of the user's estates' accounts, openids masked."""

    queryset = Follower.objects.select_related("account", "resident").order_by(
        "account", "-last_message_at", "pk"
    )
    serializer_class = FollowerSerializer
    read_cap = Cap.WECHAT_VIEW

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(account__estate_id=estate)
        bound = self.text_param("bound").lower()
        if bound in ("true", "1"):
            queryset = queryset.filter(resident__isnull=False)
        elif bound in ("false", "0"):
            queryset = queryset.filter(resident__isnull=True)
        elif bound:
            raise ValidationError({"bound": [_("应为 true 或 false")]})
        return queryset
