"""API viewsets of contacts and cases: intake (idempotent), queues, the case file and its actions.

Every change goes through one function of :mod:`shouwen.cases.services`; these views only parse
the request, pick the estate-scoped rows and turn the services' refusals into HTTP answers:
CaseActionDenied → 403, Django ValidationError → 400, CaseConflict/IdempotencyConflict → 409,
SmsLimitReached → 429 with Retry-After.
Nothing is deleted and case facts are never edited in place: there are only actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from shouwen.access.roles import Cap
from shouwen.access.scope import staff_of
from shouwen.api.actions import Result, install_actions
from shouwen.api.exceptions import LimitReached
from shouwen.api.filters import ListFilterBackend
from shouwen.api.serializers.cases import (
    AttachmentSerializer,
    BulkOutcomeSerializer,
    BulkReassignSerializer,
    CaseDetailSerializer,
    CaseListSerializer,
    CaseNoteSerializer,
    CaseRegistrationSerializer,
    ContactRegistrationSerializer,
    ContactSerializer,
    OneTimeNoticeSerializer,
)
from shouwen.api.views.base import ScopedGenericViewSet
from shouwen.cases import queries, services, transitions
from shouwen.cases.filters import CaseFilterSet
from shouwen.cases.idempotency import IdempotencyConflict, register_idempotently
from shouwen.cases.models import (
    Attachment,
    Case,
    Category,
    Channel,
    Contact,
    Handover,
    HandoverStatus,
)
from shouwen.directory.models import Staff

# ---------------------------------------------------------------- shared pieces

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy(
        "可选，最长 100 个字符。重发同一个 Key 和相同内容时返回第一次登记的结果（200），不会重复立项；"
        "同一个 Key 用于不同内容时返回 409。"
    ),
)
CONFLICT = OpenApiResponse(
    description=gettext_lazy("事项已被他人处理，或 Idempotency-Key 已用于不同的登记内容")
)
DENIED = OpenApiResponse(description=gettext_lazy("现在不能对该事项执行此操作"))
INVALID = OpenApiResponse(description=gettext_lazy("请求内容不完整或不正确"))


class Conflict(APIException):
    """409: the case changed under the request, or an Idempotency-Key was reused for other content."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("数据已被他人修改，请刷新后重试。")
    default_code = "conflict"


DATE_MIN, DATE_MAX = date(1900, 1, 1), date(9998, 12, 31)


def _date_param(view: ScopedGenericViewSet, name: str) -> date | None:
    raw = view.text_param(name)
    if not raw:
        return None
    try:
        value = parse_date(raw)
    except ValueError:  # well formed but no such day (2026-02-30)
        value = None
    if value is None:
        raise ValidationError({name: [_("日期格式应为 YYYY-MM-DD")]})
    # Day boundaries are converted to UTC and the end gets a day added: stay clear of year 1 and 9999.
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(
            {name: [_("日期应在 %(min)s 至 %(max)s 之间") % {"min": DATE_MIN, "max": DATE_MAX}]}
        )
    return value


def _choice_param(view: ScopedGenericViewSet, name: str, choices: list[str]) -> str:
    value = view.text_param(name)
    if value and value not in choices:
        raise ValidationError({name: [_("“%(value)s”不是有效的选项") % {"value": value}]})
    return value


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _canonical_body(data: Any) -> dict[str, Any]:
    # A form body is a QueryDict; list every value so repeated keys hash the same each time.
    if hasattr(data, "getlist"):
        return {key: data.getlist(key) for key in data}
    if isinstance(data, Mapping):
        return dict(data)
    return {"body": data}  # not an object: the serializer refuses it, the hash still needs a dict


class CaseServiceViewSet(ScopedGenericViewSet):
    """Cases and contacts: read with CASE_VIEW, register and act with CASE_REGISTER; map service refusals."""

    read_cap = Cap.CASE_VIEW
    write_cap = Cap.CASE_REGISTER

    def handle_exception(self, exc: Exception) -> Response:
        """Answer a service's validation error with 400, a conflict with 409, a reached limit with 429."""
        if isinstance(exc, services.SmsLimitReached):
            exc = LimitReached(exc.messages[0], exc.wait)
        elif isinstance(exc, DjangoValidationError):
            exc = ValidationError(serializers.as_serializer_error(exc))
        elif isinstance(exc, services.CaseConflict | IdempotencyConflict):
            exc = Conflict(str(exc))
        return super().handle_exception(exc)

    def acting_staff(self) -> Staff:
        """Return the signed-in staff member, who is the actor of every service call."""
        staff = staff_of(self.request.user)
        if staff is None or not staff.is_active:
            raise PermissionDenied(_("只有在职员工才能登记和办理事项。"))
        return staff

    def params(self, serializer_class: type[serializers.Serializer], **context: Any) -> dict[str, Any]:
        """Return the validated body of an action request (ids already scoped to the user's estates)."""
        params = serializer_class(
            data=self.request.data, context={**self.get_serializer_context(), **context}
        )
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)

    def register(self, serializer_class: type[serializers.Serializer]) -> tuple[Contact, bool]:
        """Register the request's contact once per Idempotency-Key; return it and whether it is new."""
        staff = self.acting_staff()
        # Checked and cut for search before the registration's transaction opens.
        draft = services.prepare_contact(staff, **self.params(serializer_class))

        def register() -> Contact:
            return services.save_contact(draft)

        key = self.request.headers.get("Idempotency-Key")
        if key is None:
            return register(), True
        user = self.request.user
        assert isinstance(user, User)  # acting_staff() passed, so the user is signed in
        return register_idempotently(user, key, _canonical_body(self.request.data), register)


# ---------------------------------------------------------------- contacts


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT, description=gettext_lazy("只列出该小区的登记")),
            OpenApiParameter(
                "channel", OpenApiTypes.STR, enum=Channel.values, description=gettext_lazy("来源")
            ),
            OpenApiParameter(
                "category", OpenApiTypes.STR, enum=Category.values, description=gettext_lazy("类别")
            ),
            OpenApiParameter(
                "received_from", OpenApiTypes.DATE, description=gettext_lazy("接待日期不早于（含当日）")
            ),
            OpenApiParameter(
                "received_to", OpenApiTypes.DATE, description=gettext_lazy("接待日期不晚于（含当日）")
            ),
        ]
    )
)
class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CaseServiceViewSet):
    """Registered calls, visits and letters of the user's estates; registering is the only change."""

    queryset = Contact.objects.select_related("registered_by", "unit__building", "case__accountable")
    serializer_class = ContactSerializer

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        estate = self.int_param("estate")
        if estate is not None:
            queryset = queryset.filter(estate_id=estate)
        channel = _choice_param(self, "channel", Channel.values)
        if channel:
            queryset = queryset.filter(channel=channel)
        category = _choice_param(self, "category", Category.values)
        if category:
            queryset = queryset.filter(category=category)
        start = _date_param(self, "received_from")
        if start is not None:
            queryset = queryset.filter(received_at__gte=_day_start(start))
        end = _date_param(self, "received_to")
        if end is not None:
            queryset = queryset.filter(received_at__lt=_day_start(end + timedelta(days=1)))
        return queryset

    @extend_schema(
        request=ContactRegistrationSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ContactSerializer, 200: ContactSerializer, 400: INVALID, 403: DENIED, 409: CONFLICT},
        description=gettext_lazy(
            "登记一次来电来访。当场答复的只留记录；否则开立事项，登记人即为首问责任人（返回中的 case）。"
        ),
    )
    def create(self, request: Request) -> Response:
        """Register a contact; answered on the spot it stays a record, otherwise it opens a case."""
        contact, created = self.register(ContactRegistrationSerializer)
        contact = get_object_or_404(self.get_queryset(), pk=contact.pk)
        return _created_or_replayed(
            ContactSerializer(contact, context=self.get_serializer_context()).data, created
        )


def _created_or_replayed(data: Any, created: bool) -> Response:
    if created:
        return Response(data, status=status.HTTP_201_CREATED)
    return Response(data, status=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"})


# ---------------------------------------------------------------- cases


@extend_schema_view(
    retrieve=extend_schema(
        description=gettext_lazy("事项全貌：责任人链、时间线、备注、附件、资料核对和当前可执行的操作。")
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CaseServiceViewSet):
    """Cases of the user's estates, looked up by number; they change only through the actions."""

    queryset = Case.objects.all()
    serializer_class = CaseDetailSerializer
    filter_backends = [ListFilterBackend]
    filterset_class = CaseFilterSet
    action_caps = {"bulk_reassign": Cap.CASE_SUPERVISE}
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]+"

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action == "list":
            pending = Handover.objects.filter(case=OuterRef("pk"), status=HandoverStatus.PENDING)
            return (
                queries.with_list_columns(queryset)
                .select_related("department")
                .annotate(has_pending_handover=Exists(pending))
            )
        if self.action == "retrieve":
            return queries.case_file(queryset)
        return queryset.select_related("estate")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "list":
            return CaseListSerializer
        return CaseDetailSerializer

    def filter_list(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Apply the shared case filters (queue, status, category, estate, channel, dates, q)."""
        # Newest first by id (ids follow registration, so this is registration order): an index walk that
        # stops after one page, whatever the history; a queue sets its own order.
        return GenericViewSet.filter_queryset(self, queryset.order_by("-pk"))

    def case_data(self, case: Case) -> Any:
        """Return the case file as it is after an action."""
        fresh = get_object_or_404(queries.case_file(Case.objects.filter(pk=case.pk)), pk=case.pk)
        return CaseDetailSerializer(fresh, context=self.get_serializer_context()).data

    # ------------------------------------------------------------ intake

    @extend_schema(
        request=CaseRegistrationSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: CaseDetailSerializer,
            200: CaseDetailSerializer,
            400: INVALID,
            403: DENIED,
            409: CONFLICT,
        },
        description=gettext_lazy("登记并开立事项（不能是当场答复）；登记人即为首问责任人。"),
    )
    def create(self, request: Request) -> Response:
        """Register a contact that opens a case and return the case file."""
        contact, created = self.register(CaseRegistrationSerializer)
        if contact.case_id is None:  # the key was first used for a contact answered on the spot
            raise IdempotencyConflict(
                _("同一个 Idempotency-Key 已用于不同的登记内容，请为新的登记使用新的 Key。")
            )
        case = get_object_or_404(queries.case_file(self.get_queryset()), pk=contact.case_id)
        return _created_or_replayed(
            CaseDetailSerializer(case, context=self.get_serializer_context()).data, created
        )

    @extend_schema(
        request=BulkReassignSerializer,
        responses={200: BulkOutcomeSerializer(many=True), 400: INVALID, 403: DENIED},
        description=gettext_lazy(
            "领导批量指派处理人：逐个事项指派，每个事项单独成败；未指派的事项附原因，其余不受影响。"
        ),
    )
    @action(detail=False, methods=["post"], url_path="bulk-reassign", url_name="bulk-reassign")
    def bulk_reassign(self, request: Request) -> Response:
        """Reassign several cases to one handler, reporting each case's outcome."""
        staff = self.acting_staff()
        d = self.params(BulkReassignSerializer)
        outcomes = services.reassign_many(
            staff, self.get_queryset(), d["numbers"], to_staff=d["to_staff"], note=d["note"]
        )
        return Response(BulkOutcomeSerializer(outcomes, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: OpenApiResponse()},
        description=gettext_lazy("下载附件；只有能查看该事项的员工可以下载。"),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        url_name="attachment-file",
    )
    def attachment_file(
        self, request: Request, number: str | None = None, attachment_id: str | None = None
    ) -> FileResponse:
        """Stream an attachment after the estate check (media files are never served directly)."""
        case = self.get_object()
        attachment = get_object_or_404(case.attachments.all(), pk=attachment_id)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise NotFound(_("附件文件已丢失，请联系管理员。")) from exc
        response = FileResponse(
            handle, content_type=attachment.content_type, filename=attachment.original_name
        )
        response["Cache-Control"] = "private, no-store"
        return response


def _attachment_data(view: CaseViewSet, case: Case, attachment: Attachment) -> Any:
    attachment = Attachment.objects.select_related("case", "uploaded_by").get(pk=attachment.pk)
    return AttachmentSerializer(attachment, context=view.get_serializer_context()).data


def _contact_data(view: CaseViewSet, case: Case, contact: Contact) -> Any:
    contact = Contact.objects.select_related("registered_by", "unit__building", "case__accountable").get(
        pk=contact.pk
    )
    return ContactSerializer(contact, context=view.get_serializer_context()).data


# Every row of the case table with an API path becomes POST /api/v1/cases/{number}/<path>/.
install_actions(
    CaseViewSet,
    transitions.TABLE,
    {
        "target": Result(CaseDetailSerializer, lambda view, case, _value: view.case_data(case)),
        "note": Result(CaseNoteSerializer, lambda _view, _case, note: CaseNoteSerializer(note).data, 201),
        "contact": Result(ContactSerializer, _contact_data, 201),
        "notice": Result(
            OneTimeNoticeSerializer, lambda _view, _case, notice: OneTimeNoticeSerializer(notice).data, 201
        ),
        "attachment": Result(AttachmentSerializer, _attachment_data, 201),
    },
    Cap.CASE_VIEW,
)
