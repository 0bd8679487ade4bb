"""API of escalations (督办): the list of the user's estates, reading one, acknowledging and handling it.

The POST routes call :mod:`shouwen.sla.services`: only the escalation's target or a supervisor of
its estate may act (403 otherwise), a missing note is a 400, an escalation already handled a 409.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from shouwen.access.roles import Cap
from shouwen.access.scope import staff_of
from shouwen.api.serializers.escalations import EscalationSerializer, HandleEscalationSerializer
from shouwen.api.views.cases import CONFLICT, DENIED, INVALID, CaseServiceViewSet, Conflict, _choice_param
from shouwen.sla import services
from shouwen.sla.models import Escalation

SCOPES = list(services.ESCALATION_SCOPES)
STATES = list(services.ESCALATION_STATES)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "scope",
                OpenApiTypes.STR,
                enum=SCOPES,
                description=gettext_lazy("mine 督办给我的（默认）；estate 所服务小区的全部督办（仅主管）"),
            ),
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                enum=STATES,
                description=gettext_lazy("open 未处理；handled 已处理"),
            ),
        ],
        description=gettext_lazy("督办记录，最新的在前。"),
    )
)
class EscalationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CaseServiceViewSet):
    """Escalations of the user's estates; they change only by being acknowledged or handled."""

    queryset = Escalation.objects.all()
    serializer_class = EscalationSerializer
    read_cap = Cap.CASE_VIEW
    write_cap = Cap.CASE_VIEW  # the target may be any staff member; the service checks target or supervisor

    def get_queryset(self) -> QuerySet[Any]:
        return (
            super()
            .get_queryset()
            .select_related("case", "deadline", "target", "handled_by")
            .order_by("-at", "-pk")
        )

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return services.escalation_list(
            queryset,
            staff_of(self.request.user),
            scope=_choice_param(self, "scope", SCOPES) or "mine",
            state=_choice_param(self, "state", STATES),
        )

    def handle_exception(self, exc: Exception) -> Response:
        """An escalation handled already is a 409; the rest as for the case actions."""
        if isinstance(exc, services.EscalationConflict):
            exc = Conflict(str(exc))
        return super().handle_exception(exc)

    def escalation_response(self, escalation: Escalation) -> Response:
        """Return the escalation as it is after the request."""
        fresh = self.get_queryset().get(pk=escalation.pk)
        return Response(EscalationSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: EscalationSerializer, 403: DENIED})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """Record that the escalation was read (its target, or a supervisor of the estate)."""
        escalation = self.get_object()
        services.acknowledge_escalation(self.acting_staff(), escalation)
        return self.escalation_response(escalation)

    @extend_schema(
        request=HandleEscalationSerializer,
        responses={200: EscalationSerializer, 400: INVALID, 403: DENIED, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def handle(self, request: Request, pk: str | None = None) -> Response:
        """Record what was done about the escalation; the case leaves the 督办给我 queue."""
        escalation = self.get_object()
        note = self.params(HandleEscalationSerializer)["note"]
        services.handle_escalation(self.acting_staff(), escalation, note)
        return self.escalation_response(escalation)
