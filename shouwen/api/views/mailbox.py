"""API of e-mail: the e-mails of the user's estates, by case (sending is the case action ``email-replies``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins

from shouwen.access.roles import Cap
from shouwen.api.serializers.mailbox import MailMessageSerializer
from shouwen.api.views.base import ScopedGenericViewSet
from shouwen.mailbox.models import MailMessage


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "case", OpenApiTypes.STR, description=gettext_lazy("事项编号：只列出该事项的邮件")
            ),
            OpenApiParameter(
                "status", OpenApiTypes.STR, description=gettext_lazy("处理结果，如 auto_reply、bounce")
            ),
        ]
    )
)
class MailMessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """E-mails received in and sent from the mailboxes of the user's estates (never changed or deleted)."""

    queryset = MailMessage.objects.select_related("case", "author")
    serializer_class = MailMessageSerializer
    read_cap = Cap.CASE_VIEW
    write_cap = Cap.CASE_VIEW

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().order_by("-created_at", "-pk")

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        number = self.text_param("case")
        if number:
            queryset = queryset.filter(case__number=number)
        status = self.text_param("status")
        if status:
            queryset = queryset.filter(status=status)
        return queryset
