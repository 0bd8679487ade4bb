"""Serializers of contacts and cases: intake, queue rows, the case file and the action requests.

Reading serializers describe what the service layer produced; writing serializers only parse and
scope a request's ids, the rules themselves are applied by :mod:`shouwen.cases.services`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shouwen.access.masking import mask_phone
from shouwen.access.scope import staff_of
from shouwen.api.serializers.base import ScopedModelSerializer, ScopedPrimaryKeyRelatedField
from shouwen.cases import transitions
from shouwen.cases.models import (
    Attachment,
    Attribution,
    Case,
    CaseDocument,
    CaseEvent,
    CaseNote,
    Category,
    Channel,
    Contact,
    Handover,
    OneTimeNotice,
    Responsibility,
    Severity,
    Urgency,
)
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Department, Estate, PublicArea, Resident, Staff, Unit
from shouwen.procedures.models import Procedure
from shouwen.sla.models import Deadline, PauseReason

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # typing only: django-stubs-ext is a dev dependency


def _seconds(start: datetime, end: datetime | None) -> int:
    return int(((end or timezone.now()) - start).total_seconds())


# ---------------------------------------------------------------- small references


class StaffRefSerializer(serializers.ModelSerializer):
    """A staff member named in a case: id, name and staff number."""

    class Meta:
        model = Staff
        fields = ["id", "name", "staff_no"]
        read_only_fields = fields


class DepartmentRefSerializer(serializers.ModelSerializer):
    """A department named in a case."""

    class Meta:
        model = Department
        fields = ["id", "name"]
        read_only_fields = fields


class UnitRefSerializer(serializers.ModelSerializer):
    """A unit named in a case, with the label people use (3栋2单元1502)."""

    label = serializers.CharField(read_only=True)  # type: ignore[assignment]

    class Meta:
        model = Unit
        fields = ["id", "label"]
        read_only_fields = fields


class ResidentRefSerializer(serializers.ModelSerializer):
    """A resident named in a case (name only; numbers stay in the directory, masked)."""

    class Meta:
        model = Resident
        fields = ["id", "name"]
        read_only_fields = fields


class PublicAreaRefSerializer(serializers.ModelSerializer):
    """A public area named in a case."""

    class Meta:
        model = PublicArea
        fields = ["id", "name"]
        read_only_fields = fields


class ProcedureRefSerializer(serializers.ModelSerializer):
    """The desk procedure a case follows."""

    class Meta:
        model = Procedure
        fields = ["id", "code", "name"]
        read_only_fields = fields


# ---------------------------------------------------------------- contacts


class CaseRefSerializer(serializers.ModelSerializer):
    """The case a contact opened or belongs to: number, status and who is accountable."""

    accountable = StaffRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = ["number", "status", "accountable"]
        read_only_fields = fields


class ContactSerializer(ScopedModelSerializer):
    """A registered call, visit or letter; the caller's phone is masked."""

    caller_phone = serializers.SerializerMethodField()
    registered_by = StaffRefSerializer(read_only=True)
    unit_label = serializers.CharField(source="unit.label", read_only=True, allow_null=True, default=None)
    case = CaseRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "estate",
            "channel",
            "category",
            "received_at",
            "registered_by",
            "registered_at",
            "caller_name",
            "caller_phone",
            "resident",
            "unit",
            "unit_label",
            "public_area",
            "location",
            "content",
            "answered_on_spot",
            "answer",
            "severity",
            "complained_party",
            "complained_department",
            "incident",
            "demand",
            "preferred_time",
            "case",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_caller_phone(self, obj: Contact) -> str:
        """Return the caller's phone number, masked (138****5678)."""
        return mask_phone(obj.caller_phone)


class ContactRegistrationSerializer(serializers.Serializer):
    """A call, visit or letter to register; every id must lie in one of the user's estates."""

    estate = ScopedPrimaryKeyRelatedField(queryset=Estate.objects.all())
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    content = serializers.CharField(help_text=gettext_lazy("来电来访内容"), max_length=LONG_TEXT_MAX)
    caller_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    caller_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    resident = ScopedPrimaryKeyRelatedField(
        queryset=Resident.objects.all(), required=False, allow_null=True, default=None
    )
    unit = ScopedPrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, default=None
    )
    public_area = ScopedPrimaryKeyRelatedField(
        queryset=PublicArea.objects.all(), required=False, allow_null=True, default=None
    )
    location = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    unit_text = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("房号，如 3-2-1502 或 3栋2单元1502（不填 unit 时按此查找）"),
    )
    answered_on_spot = serializers.BooleanField(required=False, default=False)
    answer = serializers.CharField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, allow_blank=True, default="")
    complained_party = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    complained_department = ScopedPrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )
    incident = serializers.CharField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX)
    demand = serializers.CharField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX)
    preferred_time = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    procedure = serializers.PrimaryKeyRelatedField(
        queryset=Procedure.objects.filter(active=True), required=False, allow_null=True, default=None
    )
    documents_provided = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text=gettext_lazy("住户已带来的资料（手续所需资料的编号）"),
    )
    received_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("接待时间；不填为现在。补登记最早可到若干天前（默认 31 天），不能晚于现在"),
    )
    urgency = serializers.ChoiceField(
        choices=Urgency.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("维修的紧急程度；不填则按内容判断（电梯困人、爆管、燃气为紧急）"),
    )
    requested_due = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("住户要求的期限")
    )


class CaseRegistrationSerializer(ContactRegistrationSerializer):
    """A registration that opens a case: it cannot be answered on the spot."""

    def validate_answered_on_spot(self, value: bool) -> bool:
        """Refuse an on-the-spot answer: that is a contact, not a case."""
        if value:
            raise serializers.ValidationError(_("当场答复的来电来访不开立事项，请登记为来电来访记录"))
        return value


# ---------------------------------------------------------------- case rows


class CaseListSerializer(ScopedModelSerializer):
    """A row of a case queue or search result."""

    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    accountable = StaffRefSerializer(read_only=True, allow_null=True)
    department_name = serializers.CharField(
        source="department.name", read_only=True, allow_null=True, default=None
    )
    age_seconds = serializers.SerializerMethodField()
    pending_handover = serializers.SerializerMethodField()
    next_due_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("最近一个正在计时的时限的到期时间"),
    )
    next_due_kind = serializers.CharField(
        read_only=True, allow_null=True, default=None, help_text=gettext_lazy("该时限的类型")
    )
    due_in_seconds = serializers.SerializerMethodField()
    handover_pending_since = serializers.DateTimeField(
        source="handover_since",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("待接收的转办提出的时间"),
    )

    class Meta:
        model = Case
        fields = [
            "number",
            "summary",
            "category",
            "category_display",
            "severity",
            "status",
            "status_display",
            "estate",
            "estate_name",
            "accountable",
            "department",
            "department_name",
            "created_at",
            "age_seconds",
            "pending_handover",
            "handover_pending_since",
            "next_due_at",
            "next_due_kind",
            "due_in_seconds",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.IntegerField(
            allow_null=True, help_text=gettext_lazy("距到期的秒数，已超时为负数；没有计时中的时限为 null")
        )
    )
    def get_due_in_seconds(self, obj: Case) -> int | None:
        """Return seconds until the nearest running deadline (negative: overdue by that much)."""
        due = getattr(obj, "next_due_at", None)
        return None if due is None else int((due - timezone.now()).total_seconds())

    @extend_schema_field(serializers.IntegerField(help_text=gettext_lazy("立项至今（或至结案）的秒数")))
    def get_age_seconds(self, obj: Case) -> int:
        """Return seconds since the case was opened, up to its closing if it is finished."""
        return _seconds(obj.created_at, obj.closed_at)

    @extend_schema_field(serializers.BooleanField(help_text=gettext_lazy("是否有待接收的转办")))
    def get_pending_handover(self, obj: Case) -> bool:
        """Return whether a handover of the case waits to be accepted (annotated by the view)."""
        annotated = getattr(obj, "has_pending_handover", None)
        if annotated is None:
            return transitions.pending_handover(obj) is not None
        return bool(annotated)


# ---------------------------------------------------------------- the case file


class ResponsibilitySerializer(serializers.ModelSerializer):
    """One link of the accountability chain."""

    holder = StaffRefSerializer(read_only=True)
    via_display = serializers.CharField(source="get_via_display", read_only=True)
    duration_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Responsibility
        fields = ["holder", "started_at", "ended_at", "duration_seconds", "via", "via_display", "note"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField())
    def get_duration_seconds(self, obj: Responsibility) -> int:
        """Return how long the holder held (or has held so far) the case, in seconds."""
        return _seconds(obj.started_at, obj.ended_at)


class PendingHandoverSerializer(serializers.ModelSerializer):
    """The handover waiting to be accepted."""

    from_staff = StaffRefSerializer(read_only=True)
    to_staff = StaffRefSerializer(read_only=True, allow_null=True)
    to_department = DepartmentRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Handover
        fields = ["id", "from_staff", "to_department", "to_staff", "note", "created_at"]
        read_only_fields = fields


class CaseEventSerializer(serializers.ModelSerializer):
    """An entry of the case's timeline."""

    actor = StaffRefSerializer(read_only=True, allow_null=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    text = serializers.CharField(source="shown_text", read_only=True, help_text="In the reader's language.")

    class Meta:
        model = CaseEvent
        fields = ["at", "actor", "kind", "kind_display", "text"]
        read_only_fields = fields


class CaseNoteSerializer(serializers.ModelSerializer):
    """An internal note or a message given to the resident."""

    author = StaffRefSerializer(read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "at", "author", "text"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    """A file attached to a case; ``url`` serves it after checking the reader's estates."""

    name = serializers.CharField(source="original_name", read_only=True)
    type = serializers.CharField(source="content_type", read_only=True)
    uploaded_by = StaffRefSerializer(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "type", "size", "uploaded_by", "uploaded_at", "url"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_url(self, obj: Attachment) -> str:
        """Return the API address that streams the file."""
        path = reverse(
            "api:case-attachment-file", kwargs={"number": obj.case.number, "attachment_id": obj.pk}
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class CaseDocumentSerializer(serializers.ModelSerializer):
    """A required document of the case's procedure and whether it has been provided."""

    item = serializers.IntegerField(source="item_id", read_only=True)
    text = serializers.CharField(source="item.text", read_only=True)
    # Field.required is the field's own flag; DRF's metaclass takes declared fields out first.
    required = serializers.BooleanField(source="item.required", read_only=True)  # type: ignore[assignment]
    ticked_by = StaffRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CaseDocument
        fields = ["item", "text", "required", "provided", "ticked_by", "ticked_at"]
        read_only_fields = fields


class ActionSerializer(serializers.Serializer):
    """An action the reader may take on the case now."""

    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class DeadlineSerializer(serializers.ModelSerializer):
    """One time limit of the case: when it is due, and whether it was met and by how much."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    policy_name = serializers.CharField(source="policy.name", read_only=True, default="")

    class Meta:
        model = Deadline
        fields = [
            "kind",
            "kind_display",
            "policy_name",
            "started_at",
            "due_at",
            "state",
            "state_display",
            "level",
            "met_at",
            "margin_seconds",
        ]
        read_only_fields = fields


class CaseDetailSerializer(CaseListSerializer):
    """The whole case file: facts, accountability chain, timeline, notes, files and allowed actions."""

    estate_code = serializers.CharField(source="estate.code", read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    urgency_display = serializers.CharField(source="get_urgency_display", read_only=True)
    attribution_display = serializers.CharField(source="get_attribution_display", read_only=True)
    channel = serializers.ChoiceField(source="origin.channel", choices=Channel.choices, read_only=True)
    received_at = serializers.DateTimeField(source="origin.received_at", read_only=True)
    registered_at = serializers.DateTimeField(source="origin.registered_at", read_only=True)
    registered_after_minutes = serializers.SerializerMethodField(
        help_text=gettext_lazy("接待后多少分钟才登记（补登记；时限从接待时间起算）")
    )
    content = serializers.CharField(source="origin.content", read_only=True)
    possible_duplicates = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "警告（不阻止）：同一房屋或电话在一小时内登记的同类未办结事项编号，可能是重复登记"
        )
    )
    promised_at = serializers.SerializerMethodField()
    caller_name = serializers.CharField(source="origin.caller_name", read_only=True)
    caller_phone = serializers.SerializerMethodField()
    location = serializers.CharField(source="origin.location", read_only=True)
    complained_party = serializers.CharField(source="origin.complained_party", read_only=True)
    complained_department = DepartmentRefSerializer(
        source="origin.complained_department", read_only=True, allow_null=True
    )
    incident = serializers.CharField(source="origin.incident", read_only=True)
    demand = serializers.CharField(source="origin.demand", read_only=True)
    preferred_time = serializers.CharField(source="origin.preferred_time", read_only=True)
    resident = ResidentRefSerializer(read_only=True, allow_null=True)
    unit = UnitRefSerializer(read_only=True, allow_null=True)
    public_area = PublicAreaRefSerializer(read_only=True, allow_null=True)
    procedure = ProcedureRefSerializer(read_only=True, allow_null=True)
    first_contact = StaffRefSerializer(read_only=True)
    chain = ResponsibilitySerializer(source="responsibilities", many=True, read_only=True)
    pending_handover = serializers.SerializerMethodField()
    events = CaseEventSerializer(many=True, read_only=True)
    internal_notes = serializers.SerializerMethodField()
    messages_to_resident = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    documents = CaseDocumentSerializer(many=True, read_only=True)
    missing_documents = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    deadlines = DeadlineSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "number",
            "estate",
            "estate_code",
            "estate_name",
            "category",
            "category_display",
            "severity",
            "severity_display",
            "status",
            "status_display",
            "summary",
            "channel",
            "received_at",
            "registered_at",
            "registered_after_minutes",
            "possible_duplicates",
            "promised_at",
            "content",
            "caller_name",
            "caller_phone",
            "resident",
            "unit",
            "public_area",
            "location",
            "complained_party",
            "complained_department",
            "incident",
            "demand",
            "preferred_time",
            "procedure",
            "first_contact",
            "accountable",
            "department",
            "department_name",
            "attribution",
            "attribution_display",
            "attribution_note",
            "resolution",
            "status_reason",
            "documents_override_reason",
            "assignment_requested",
            "visit_count",
            "created_at",
            "updated_at",
            "resolved_at",
            "closed_at",
            "age_seconds",
            "version",
            "repair_type",
            "urgency",
            "urgency_display",
            "requested_due",
            "paused_since",
            "deadlines",
            "chain",
            "pending_handover",
            "events",
            "internal_notes",
            "messages_to_resident",
            "attachments",
            "documents",
            "missing_documents",
            "allowed_actions",
        ]
        read_only_fields = fields

    def _pending(self, obj: Case) -> Handover | None:
        # Prefetched by the view as ``pending_handovers``; the field and allowed_actions share it.
        pending = getattr(obj, "pending_handovers", None)
        if pending is None:
            return transitions.pending_handover(obj)
        return pending[0] if pending else None

    def get_possible_duplicates(self, obj: Case) -> list[str]:
        """Return the numbers of open cases that may be the same matter registered again."""
        from shouwen.cases.services import possible_duplicates

        return [c.number for c in possible_duplicates(obj)[:10]]

    @extend_schema_field(
        serializers.DateTimeField(
            allow_null=True,
            help_text=gettext_lazy("回执中承诺的答复或办结时间（首次答复或办理完成时限），没有时限时为 null"),
        )
    )
    def get_promised_at(self, obj: Case) -> str | None:
        """Return the answer time the receipt promises, in the local time zone like every other time."""
        from shouwen.cases.services import promised_time

        promised = promised_time(obj)
        return None if promised is None else serializers.DateTimeField().to_representation(promised)

    def get_registered_after_minutes(self, obj: Case) -> int:
        """Return the whole minutes between reception and registration (0 when registered at once)."""
        return int(obj.origin.registration_delay.total_seconds() // 60)

    @extend_schema_field(serializers.CharField(help_text=gettext_lazy("来电人电话（已隐藏中间四位）")))
    def get_caller_phone(self, obj: Case) -> str:
        """Return the first caller's phone number, masked."""
        return mask_phone(obj.origin.caller_phone)

    @extend_schema_field(PendingHandoverSerializer(allow_null=True))
    def get_pending_handover(self, obj: Case) -> dict[str, Any] | None:  # type: ignore[override]
        """Return the handover waiting to be accepted, or null."""
        pending = self._pending(obj)
        return dict(PendingHandoverSerializer(pending).data) if pending is not None else None

    def _notes(self, obj: Case, kind: str) -> list[dict[str, Any]]:
        notes = [n for n in obj.notes.all() if n.kind == kind]
        return list(CaseNoteSerializer(notes, many=True).data)

    @extend_schema_field(CaseNoteSerializer(many=True))
    def get_internal_notes(self, obj: Case) -> list[dict[str, Any]]:
        """Return the internal notes, oldest first."""
        return self._notes(obj, CaseNote.Kind.INTERNAL)

    @extend_schema_field(CaseNoteSerializer(many=True))
    def get_messages_to_resident(self, obj: Case) -> list[dict[str, Any]]:
        """Return the messages given to the resident, oldest first."""
        return self._notes(obj, CaseNote.Kind.TO_RESIDENT)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing_documents(self, obj: Case) -> list[str]:
        """Return the required documents still missing, in checklist order."""
        return [d.item.text for d in obj.documents.all() if d.item.required and not d.provided]

    @extend_schema_field(ActionSerializer(many=True))
    def get_allowed_actions(self, obj: Case) -> list[dict[str, str]]:
        """Return what the requesting staff member may do to the case now (from the transition table)."""
        request = self.context.get("request")
        staff = staff_of(request.user) if request is not None else None
        if staff is None:
            return []
        pending = self._pending(obj)
        return [
            {"code": a.code, "label": str(a.label)}
            for a in transitions.ACTIONS.values()
            if transitions.allows(a.code, staff, obj, pending)
        ]


# ---------------------------------------------------------------- action requests


def _text(help_text: StrOrPromise | None = None, max_length: int = LONG_TEXT_MAX) -> serializers.CharField:
    # Texts are optional here: the service refuses a missing one with its own message.
    # The same limit as the service's (the model field's for short texts), so the client sees it first.
    return serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=help_text,
        max_length=max_length,
    )


class HandOverSerializer(serializers.Serializer):
    """Hand the case to a department or a named colleague, with a note for the receiver."""

    to_department = ScopedPrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )
    to_staff = ScopedPrimaryKeyRelatedField(
        queryset=Staff.objects.all(), required=False, allow_null=True, default=None
    )
    note = _text(gettext_lazy("交接说明（必填）"))


class HandoverDecisionSerializer(serializers.Serializer):
    """Accept, return or withdraw the pending handover (the one shown in the case file)."""

    handover = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("转办编号；不填则为当前待接收的转办"),
    )
    reason = _text(gettext_lazy("退回、撤回的原因"))


class KeepInSteadSerializer(serializers.Serializer):
    """Keep the case for now because the department has nobody on duty."""

    department = ScopedPrimaryKeyRelatedField(queryset=Department.objects.all())
    note = _text()


class AssignmentRequestSerializer(serializers.Serializer):
    """Ask a supervisor to name a handler."""

    note = _text(gettext_lazy("需要指派的原因（必填）"))


class ReassignSerializer(serializers.Serializer):
    """A supervisor names the handler."""

    to_staff = ScopedPrimaryKeyRelatedField(queryset=Staff.objects.all())
    note = _text(gettext_lazy("指派说明（必填）"))


class BulkReassignSerializer(ReassignSerializer):
    """A supervisor names one handler for several cases; each case is reassigned (or refused) on its own."""

    numbers = serializers.ListField(
        child=serializers.CharField(max_length=30),
        min_length=1,
        max_length=100,
        help_text=gettext_lazy("事项编号（最多 100 个）"),
    )


class BulkOutcomeSerializer(serializers.Serializer):
    """What became of one case of a bulk reassignment."""

    number = serializers.CharField()
    done = serializers.BooleanField(help_text=gettext_lazy("是否已指派"))
    reason = serializers.CharField(help_text=gettext_lazy("未指派的原因"))


class AttributionSerializer(serializers.Serializer):
    """Record whose fault the underlying problem is."""

    attribution = serializers.ChoiceField(choices=Attribution.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ResolveSerializer(serializers.Serializer):
    """Record the result of the handling."""

    resolution = _text(gettext_lazy("处理结果（必填）"))


class ReasonSerializer(serializers.Serializer):
    """An action that needs a reason (reopen, void)."""

    reason = _text(gettext_lazy("原因（必填）"))


class PauseSerializer(serializers.Serializer):
    """Stop the clock for a reason from the list."""

    reason = serializers.ChoiceField(choices=PauseReason.choices, help_text=gettext_lazy("暂停原因"))
    # The pause's note is kept in full (200 characters, as on the case page), never cut short.
    note = _text(gettext_lazy("说明（必填）"), max_length=200)


class CloseSerializer(serializers.Serializer):
    """Close a handled case."""

    note = _text()


class DeclineSerializer(serializers.Serializer):
    """Decline an unreasonable request."""

    explanation = _text(gettext_lazy("向住户说明的理由（必填）"))


class AddNoteSerializer(serializers.Serializer):
    """An internal note, or (``to_resident``) a message given to the resident."""

    text = _text()
    to_resident = serializers.BooleanField(required=False, default=False)


class VisitSerializer(serializers.Serializer):
    """Another call or visit about the case."""

    channel = serializers.ChoiceField(choices=Channel.choices)
    content = _text()


class DocumentsSerializer(serializers.Serializer):
    """The documents the resident has now brought (ids of the procedure's checklist items)."""

    item_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)

    def validate_item_ids(self, value: list[int]) -> list[int]:
        """Refuse ids that are not on the case's checklist."""
        case: Case = self.context["case"]
        known = set(case.documents.values_list("item_id", flat=True))
        if set(value) - known:
            raise serializers.ValidationError(_("所选资料不属于该事项的手续"))
        return value


class NoticeRequestSerializer(serializers.Serializer):
    """How the one-time notice is given."""

    channel = serializers.ChoiceField(choices=OneTimeNotice.Channel.choices)


class OneTimeNoticeSerializer(serializers.ModelSerializer):
    """A one-time notice of everything still missing, with its text for print or SMS."""

    given_by = StaffRefSerializer(read_only=True)

    class Meta:
        model = OneTimeNotice
        fields = ["id", "given_by", "given_at", "channel", "missing", "text"]
        read_only_fields = fields


class AcceptForProcessingSerializer(serializers.Serializer):
    """Accept a procedure for processing; with documents missing a supervisor gives a reason."""

    override_reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AttachmentUploadSerializer(serializers.Serializer):
    """A photo (JPG, PNG, WebP, GIF, HEIC) or PDF to attach; its type is checked from its content."""

    file = serializers.FileField()
