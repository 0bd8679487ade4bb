"""Service functions for contacts and cases: every rule of first-contact accountability lives here.

Each function locks the case row, checks the transition table, changes the case and appends to
its timeline in one transaction. Views and the API call these; tests create data through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.cases import transitions
from shouwen.cases.lib import lock_case as _lock
from shouwen.cases.lib import record_event as _event
from shouwen.cases.lib import save_case as _save

# Pausing and resuming the clock live in their own module; every case action is reached from here.
from shouwen.cases.lifecycle import pause_case as pause_case
from shouwen.cases.lifecycle import resume_case as resume_case
from shouwen.cases.models import (
    REPAIR_CATEGORIES,
    RETURN_VISIT_CATEGORIES,
    Attachment,
    Attribution,
    Case,
    CaseCounter,
    CaseDocument,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Category,
    Contact,
    Handover,
    HandoverStatus,
    OneTimeNotice,
    Responsibility,
)
from shouwen.cases.search import segment_for_index
from shouwen.core.actions import Conflict
from shouwen.core.services import required_text
from shouwen.core.textlimits import LONG_TEXT_MAX, check_lengths, check_long, field_max
from shouwen.directory.models import Department, Estate, PublicArea, Resident, Staff, Unit
from shouwen.directory.phones import normalize_phone
from shouwen.procedures.models import Procedure

Kind = CaseEvent.Kind

# Categories whose case, once handled, waits for a return visit before it is closed.


# Words that make a repair a safety-facility or a leak repair (their return visits have their own limits).
SAFETY_WORDS = (
    "电梯",
    "消防",
    "燃气",
    "煤气",
    "漏电",
    "烟感",
    "喷淋",
    "应急灯",
    "监控",
    "门禁",
    "防盗",
    "困人",
)
LEAK_WORDS = ("漏水", "渗水", "渗漏", "返水", "滴水", "漏雨")


def classify_repair(text: str) -> str:
    """Suggest the repair type from the description: safety facility, leak, or other."""
    if any(w in text for w in SAFETY_WORDS):
        return "safety"
    if any(w in text for w in LEAK_WORDS):
        return "leak"
    return "other"


class CaseConflict(Conflict):
    """The case changed under the request (e.g. the handover was already accepted): answer 409."""


# ---------------------------------------------------------------- helpers


_required = required_text


def _current(case: Case) -> Responsibility | None:
    return case.responsibilities.filter(ended_at__isnull=True).first()


def _give_to(case: Case, holder: Staff, via: str, note: str = "", handover: Handover | None = None) -> None:
    """Make ``holder`` the one accountable person: end the current link and start a new one."""
    now = timezone.now()
    case.responsibilities.filter(ended_at__isnull=True).update(ended_at=now)
    Responsibility.objects.create(
        case=case, holder=holder, started_at=now, via=via, handover=handover, note=note
    )
    case.accountable = holder
    case.department = holder.department
    case.assignment_requested = False


def _end_responsibility(case: Case) -> None:
    case.responsibilities.filter(ended_at__isnull=True).update(ended_at=timezone.now())
    case.accountable = None


def _serves(staff: Staff, estate: Estate) -> bool:
    from shouwen.access.scope import can_see_estate

    return staff.is_active and can_see_estate(staff.user, estate.pk)


def next_case_number(estate: Estate, when: datetime) -> str:
    """Return the next case number of the estate for the day: LJY-20261129-0007."""
    day = timezone.localdate(when)
    counter = CaseCounter.objects.filter(estate=estate, day=day)
    if not counter.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                CaseCounter.objects.create(estate=estate, day=day, last=1)
        except IntegrityError:  # another registration created the day's row first
            counter.update(last=F("last") + 1)
    last = counter.values_list("last", flat=True).get()
    return f"{estate.code}-{day:%Y%m%d}-{last:04d}"


def _caller_phone(raw: str) -> str:
    """Return the caller's number without spaces or dashes; refuse letters and numbers too long to keep.

    Cutting an over-long number to fit would store a number nobody can call back.
    """
    number = normalize_phone(raw)
    longest = Contact._meta.get_field("caller_phone").max_length or 20
    if number and (not number.isascii() or not number.isdigit() or len(number) > longest):
        raise ValidationError(
            {"caller_phone": _("电话号码只能包含数字，最多 %(max)s 位。") % {"max": longest}}
        )
    return number


def _join_words(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _search_words(
    *,
    summary: str,
    content: str,
    caller_name: str,
    unit: str,
    area: str,
    location: str,
    incident: str,
    demand: str,
    category: str,
    resolution: str,
) -> str:
    """Return the search words of a case's texts other than its number, the resolution last.

    The resolution comes last so that resolving again only re-cuts the resolution
    (:func:`search_text_with_resolution`), never the letter the case started with.
    """
    return segment_for_index(
        summary, content, caller_name, unit, area, location, incident, demand, category, resolution
    )


def refresh_search_text(case: Case) -> None:
    """Recompute the words the case can be found by."""
    origin = case.origin
    case.search_text = _join_words(
        segment_for_index(case.number),
        _search_words(
            summary=case.summary,
            content=origin.content,
            caller_name=origin.caller_name,
            unit=case.unit.label if case.unit is not None else "",
            area=case.public_area.name if case.public_area is not None else "",
            location=origin.location,
            incident=origin.incident,
            demand=origin.demand,
            category=case.get_category_display(),
            resolution=case.resolution,
        ),
    )


def search_text_with_resolution(case: Case, resolution: str) -> str:
    """Return the case's search words with ``resolution`` in place of its current one.

    Only the old and the new resolution are segmented; a case whose words were stored in another
    order (before the resolution came last) is recomputed in full.
    """
    old = segment_for_index(case.resolution)
    stored = case.search_text
    if not old or stored == old or stored.endswith(" " + old):
        base = stored[: len(stored) - len(old)].rstrip() if old else stored
        return _join_words(base, segment_for_index(resolution))
    fresh = Case.objects.select_related("origin", "unit__building", "public_area").get(pk=case.pk)
    fresh.resolution = resolution
    refresh_search_text(fresh)
    return fresh.search_text


# ---------------------------------------------------------------- intake


# Reception times a few minutes ahead are clock differences between the desk's computer and the server.
CLOCK_SKEW = timedelta(minutes=5)


def check_received_at(received_at: datetime | None, now: datetime) -> datetime:
    """Return when the contact was received: now, or a time given within the allowed window.

    A letter or a night-log entry registered a few days late is normal; a time in the future or
    from long ago is a typing mistake, and would put the case number in another year.
    """
    if received_at is None:
        return now
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > now + CLOCK_SKEW:
        raise ValidationError({"received_at": [_("接待时间不能晚于现在。")]})
    days = settings.SHOUWEN_CONTACT_BACKDATE_DAYS
    earliest = now - timedelta(days=days)
    if received_at < earliest:
        raise ValidationError(
            {
                "received_at": [
                    _("接待时间最早可补登记到 %(days)s 天前（%(earliest)s），请检查日期。")
                    % {"days": days, "earliest": timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M")}
                ]
            }
        )
    return received_at


def _check_registration(
    estate: Estate,
    *,
    category: str,
    content: str,
    places: dict[str, Resident | PublicArea | Department | None],
    unit: Unit | None,
    unit_text: str,
    procedure: Procedure | None,
    documents_provided: Sequence[int],
    answer: str | None,
) -> Unit | None:
    """Refuse a registration that breaks a rule, every broken rule under its field; return its unit.

    ``answer`` is None unless the contact was answered on the spot.
    """
    errors: dict[str, str] = {}
    if not (content or "").strip():
        errors["content"] = _("请填写来电来访内容。")
    if category not in Category.values:
        errors["category"] = _("请选择正确的类别。")
    for name, obj in places.items():
        if obj is not None and obj.estate_id != estate.pk:
            errors[name] = _("不属于所选小区。")
    if unit is not None and unit.building.estate_id != estate.pk:
        errors["unit"] = _("不属于所选小区。")
    elif unit is None and (unit_text or "").strip():
        unit = _unit_from_text(estate, unit_text.strip(), errors)
    if procedure is not None and procedure.category != category:
        errors["procedure"] = _("所选手续与类别不符。")
    if documents_provided and not _documents_of(procedure, documents_provided):
        errors["documents_provided"] = _("所选资料不属于该手续。")
    if answer is not None and not answer.strip():
        errors["answer"] = _("当场答复的来电来访必须填写答复内容。")
    if errors:
        raise ValidationError(errors)
    return unit


def _unit_from_text(estate: Estate, text: str, errors: dict[str, str]) -> Unit | None:
    """Return the estate's one unit the text names, or note why not under ``unit_text``."""
    from shouwen.directory.search import find_units, parse_unit_shorthand

    ref = parse_unit_shorthand(text)
    found = list(find_units(Unit.objects.filter(building__estate=estate), ref)[:2]) if ref else []
    if len(found) != 1:
        errors["unit_text"] = _("找不到房屋“%(text)s”，请检查楼栋、单元和房号。") % {"text": text}
        return None
    return found[0]


def _documents_of(procedure: Procedure | None, ids: Sequence[int]) -> bool:
    """Return whether every checklist item id belongs to the procedure."""
    from shouwen.procedures.models import ChecklistItem

    wanted = set(ids)
    if procedure is None:
        return not wanted
    known = set(ChecklistItem.objects.filter(procedure=procedure, pk__in=wanted).values_list("pk", flat=True))
    return wanted <= known


@dataclass(frozen=True)
class ContactDraft:
    """A registration checked and segmented for search, ready to be saved in a short transaction."""

    staff: Staff
    estate: Estate
    channel: str
    category: str
    content: str
    caller_name: str
    caller_phone: str
    resident: Resident | None
    unit: Unit | None
    public_area: PublicArea | None
    location: str
    answered_on_spot: bool
    answer: str
    severity: str
    complained_party: str
    complained_department: Department | None
    incident: str
    demand: str
    preferred_time: str
    procedure: Procedure | None
    documents_provided: tuple[int, ...]
    received_at: datetime | None
    repair_type: str
    requested_due: date | None
    summary: str
    # The case's search words without its number (which is only known inside the transaction).
    search_words: str


def prepare_contact(
    staff: Staff,
    *,
    estate: Estate,
    channel: str,
    category: str,
    content: str,
    caller_name: str = "",
    caller_phone: str = "",
    resident: Resident | None = None,
    unit: Unit | None = None,
    public_area: PublicArea | None = None,
    location: str = "",
    answered_on_spot: bool = False,
    answer: str = "",
    severity: str = "",
    complained_party: str = "",
    complained_department: Department | None = None,
    incident: str = "",
    demand: str = "",
    preferred_time: str = "",
    procedure: Procedure | None = None,
    documents_provided: Sequence[int] = (),
    received_at: datetime | None = None,
    repair_type: str = "",
    requested_due: date | None = None,
    unit_text: str = "",
) -> ContactDraft:
    """Check a registration and cut its words for search, outside any transaction.

    Every rule of a registration is here, so the intake page, the API and the night-call page
    refuse the same things with the same field-keyed messages; ``unit_text`` is a unit typed as
    3-2-1502 or 3栋2单元1502, found in the estate when no ``unit`` is given.

    Segmenting a long letter takes a moment; done here, the write transaction that follows
    (:func:`save_contact`) holds the database for milliseconds only.
    """
    from shouwen.access.permissions import can
    from shouwen.access.roles import Cap

    if not can(staff.user, Cap.CASE_REGISTER) or not _serves(staff, estate):
        raise transitions.CaseActionDenied(_("您不能为该小区登记来电来访。"))
    caller_name, location = (caller_name or "").strip(), (location or "").strip()
    complained_party, preferred_time = (complained_party or "").strip(), (preferred_time or "").strip()
    # Sizes first, all at once: a text of megabytes is refused before anything else looks at it.
    check_lengths(
        {
            **{
                name: (text, LONG_TEXT_MAX)
                for name, text in (
                    ("content", content),
                    ("answer", answer),
                    ("incident", incident),
                    ("demand", demand),
                )
            },
            **{
                name: (text, field_max(Contact, name))
                for name, text in (
                    ("caller_name", caller_name),
                    ("location", location),
                    ("complained_party", complained_party),
                    ("preferred_time", preferred_time),
                )
            },
        }
    )
    unit = _check_registration(
        estate,
        category=category,
        content=content,
        places={
            "resident": resident,
            "public_area": public_area,
            "complained_department": complained_department,
        },
        unit=unit,
        unit_text=unit_text,
        procedure=procedure,
        documents_provided=documents_provided,
        answer=answer if answered_on_spot else None,
    )
    content = content.strip()
    if caller_name == "" and resident is not None:
        # The resident's name stands in for the caller's, as far as the field holds it.
        caller_name = resident.name[: field_max(Contact, "caller_name")]
    answer = (answer or "").strip()
    check_received_at(received_at, timezone.now())
    summary = content.replace("\n", " ")[:80]
    words = (
        ""
        if answered_on_spot
        else _search_words(
            summary=summary,
            content=content,
            caller_name=caller_name,
            unit=unit.label if unit is not None else "",
            area=public_area.name if public_area is not None else "",
            location=location,
            incident=incident,
            demand=demand,
            category=str(Category(category).label),
            resolution="",
        )
    )
    return ContactDraft(
        staff=staff,
        estate=estate,
        channel=channel,
        category=category,
        content=content,
        caller_name=caller_name,
        caller_phone=_caller_phone(caller_phone),
        resident=resident,
        unit=unit,
        public_area=public_area,
        location=location,
        answered_on_spot=answered_on_spot,
        answer=answer,
        severity=severity,
        complained_party=complained_party,
        complained_department=complained_department,
        incident=incident,
        demand=demand,
        preferred_time=preferred_time,
        procedure=procedure,
        documents_provided=tuple(documents_provided),
        received_at=received_at,
        repair_type=repair_type,
        requested_due=requested_due,
        summary=summary,
        search_words=words,
    )


@transaction.atomic
def save_contact(draft: ContactDraft) -> Contact:
    """Save a prepared registration; unless answered on the spot it opens a case.

    The staff member who registers it becomes the case's first-contact responsible person
    (首问责任人), whatever their department.
    """
    staff, estate, category = draft.staff, draft.estate, draft.category
    now = timezone.now()
    # Checked again with the clock of the transaction: a draft may wait (an idempotent replay).
    received_at = check_received_at(draft.received_at, now)
    contact = Contact.objects.create(
        estate=estate,
        channel=draft.channel,
        received_at=received_at,
        registered_by=staff,
        registered_at=now,
        caller_name=draft.caller_name,
        caller_phone=draft.caller_phone,
        resident=draft.resident,
        unit=draft.unit,
        public_area=draft.public_area,
        location=draft.location,
        category=category,
        content=draft.content,
        answered_on_spot=draft.answered_on_spot,
        answer=draft.answer,
        severity=draft.severity,
        complained_party=draft.complained_party,
        complained_department=draft.complained_department,
        incident=draft.incident,
        demand=draft.demand,
        preferred_time=draft.preferred_time,
    )
    if draft.answered_on_spot:
        return contact
    number = next_case_number(estate, received_at)
    procedure = draft.procedure
    case = Case(
        number=number,
        estate=estate,
        origin=contact,
        category=category,
        severity=draft.severity,
        status=CaseStatus.OPEN,
        summary=draft.summary,
        resident=draft.resident,
        unit=draft.unit,
        public_area=draft.public_area,
        first_contact=staff,
        accountable=staff,
        department=staff.department,
        procedure=procedure,
        visit_count=1 if draft.channel == "visit" else 0,
        repair_type=(draft.repair_type or classify_repair(draft.content))
        if category in REPAIR_CATEGORIES
        else "",
        requested_due=draft.requested_due,
        created_at=now,
        updated_at=now,
        search_text=_join_words(segment_for_index(number), draft.search_words),
    )
    if procedure is not None:
        case.status = CaseStatus.AWAITING_DOCUMENTS
    case.save()
    contact.case = case
    contact.save(update_fields=["case"])
    Responsibility.objects.create(case=case, holder=staff, started_at=now, via=Responsibility.Via.REGISTERED)
    _event(case, staff, Kind.REGISTERED, draft.content, channel=draft.channel, number=case.number)
    if procedure is not None:
        items = list(procedure.items.filter(active=True))
        CaseDocument.objects.bulk_create([CaseDocument(case=case, item=i) for i in items])
        if draft.documents_provided:
            _tick(case, staff, draft.documents_provided)
        if not missing_documents(case):
            case.status = CaseStatus.OPEN
            _save(case, "status")
    return contact


def register_contact(staff: Staff, **fields: Any) -> Contact:
    """Register a call, visit or letter; answered on the spot it is closed, otherwise it opens a case.

    Takes the arguments of :func:`prepare_contact`. Called inside another transaction, the
    segmentation runs inside it too: callers that hold one prepare the draft first.
    """
    return save_contact(prepare_contact(staff, **fields))


@transaction.atomic
def record_visit(staff: Staff, case: Case, *, channel: str, content: str) -> Contact:
    """Register another call or visit about an existing case (it is counted, the case keeps its holder)."""
    check_long(content=content)
    case = _lock(case)
    transitions.check("record_visit", staff, case)
    content = _required(content, _("请填写来电来访内容。"))
    contact = Contact.objects.create(
        estate=case.estate,
        channel=channel,
        registered_by=staff,
        caller_name=case.origin.caller_name,
        caller_phone=case.origin.caller_phone,
        resident=case.resident,
        unit=case.unit,
        public_area=case.public_area,
        category=case.category,
        content=content,
        case=case,
    )
    if channel == "visit":
        case.visit_count += 1
        _save(case, "visit_count")
    _event(case, staff, Kind.CONTACT, content, channel=channel, visit_count=case.visit_count)
    return contact


# ---------------------------------------------------------------- the accountability chain


@transaction.atomic
def hand_over(
    staff: Staff,
    case: Case,
    *,
    note: str,
    to_department: Department | None = None,
    to_staff: Staff | None = None,
) -> Handover:
    """Hand the case to a department or a named person; the giver stays accountable until accepted."""
    check_long(note=note)
    case = _lock(case)
    transitions.check("hand_over", staff, case)
    note = _required(note, _("转办必须填写交接说明。"))
    if to_department is None and to_staff is None:
        raise ValidationError(_("请选择接收部门或接收人。"))
    if to_department is not None and to_department.estate_id != case.estate_id:
        raise ValidationError(_("接收部门不属于该小区。"))
    if to_staff is not None:
        if not _serves(to_staff, case.estate):
            raise ValidationError(_("接收人不服务于该小区或已离职。"))
        if to_staff.pk == case.accountable_id:
            raise ValidationError(_("接收人已是当前责任人。"))
        if to_department is not None and to_staff.department_id != to_department.pk:
            raise ValidationError(_("接收人不属于所选部门。"))
    giver = case.accountable
    assert giver is not None  # an active case always has one (database constraint)
    handover = Handover.objects.create(
        case=case, from_staff=giver, to_department=to_department, to_staff=to_staff, note=note
    )
    receiver = str(to_staff or to_department)
    _event(case, staff, Kind.HANDOVER, note, handover=handover.pk, to=receiver)
    _save(case)
    return handover


def _lock_pending(handover: Handover) -> tuple[Case, Handover]:
    case = _lock(handover.case)
    fresh = Handover.objects.select_for_update().get(pk=handover.pk)
    if fresh.status != HandoverStatus.PENDING:
        raise CaseConflict(
            _("该转办已被处理（%(status)s），请刷新页面。") % {"status": fresh.get_status_display()}
        )
    return case, fresh


@transaction.atomic
def accept_handover(staff: Staff, handover: Handover) -> Case:
    """Accept a pending handover: the receiver becomes the accountable person from now on."""
    case, handover = _lock_pending(handover)
    transitions.check("accept_handover", staff, case)
    handover.status = HandoverStatus.ACCEPTED
    handover.decided_at = timezone.now()
    handover.decided_by = staff
    handover.save(update_fields=["status", "decided_at", "decided_by"])
    _give_to(case, staff, Responsibility.Via.HANDOVER, note=handover.note, handover=handover)
    _event(case, staff, Kind.HANDOVER_ACCEPTED, handover.note, handover=handover.pk)
    _save(case, "accountable", "department", "assignment_requested")
    return case


@transaction.atomic
def return_handover(staff: Staff, handover: Handover, *, reason: str) -> Case:
    """Send a pending handover back with a reason; the giver stays accountable."""
    check_long(reason=reason)
    reason = _required(reason, _("退回必须说明原因。"))
    case, handover = _lock_pending(handover)
    transitions.check("return_handover", staff, case)
    handover.status = HandoverStatus.RETURNED
    handover.decided_at = timezone.now()
    handover.decided_by = staff
    handover.reason = reason
    handover.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    _event(case, staff, Kind.HANDOVER_RETURNED, reason, handover=handover.pk)
    _save(case)
    return case


@transaction.atomic
def cancel_handover(staff: Staff, handover: Handover, *, reason: str = "") -> Case:
    """Withdraw a pending handover (the giver or a supervisor)."""
    check_long(reason=reason)
    case, handover = _lock_pending(handover)
    transitions.check("cancel_handover", staff, case)
    handover.status = HandoverStatus.CANCELLED
    handover.decided_at = timezone.now()
    handover.decided_by = staff
    handover.reason = reason.strip()
    handover.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    _event(case, staff, Kind.HANDOVER_CANCELLED, reason, handover=handover.pk)
    _save(case)
    return case


@transaction.atomic
def keep_in_stead(staff: Staff, case: Case, *, department: Department, note: str = "") -> Case:
    """Record that the department had nobody on duty and the holder keeps the case for now (先行接收)."""
    check_long(note=note)
    case = _lock(case)
    transitions.check("keep_in_stead", staff, case)
    if department.estate_id != case.estate_id:
        raise ValidationError(_("该部门不属于本小区。"))
    text = note.strip() or _("%(dept)s暂无人在岗，由首问责任人先行接收，稍后转办。") % {
        "dept": department.name
    }
    _event(case, staff, Kind.KEPT, text, department=department.pk)
    _save(case)
    return case


@transaction.atomic
def request_assignment(staff: Staff, case: Case, *, note: str) -> Case:
    """Ask a supervisor to name a handler; the holder stays accountable meanwhile."""
    check_long(note=note)
    case = _lock(case)
    transitions.check("request_assignment", staff, case)
    note = _required(note, _("请说明需要指派的原因。"))
    case.assignment_requested = True
    _event(case, staff, Kind.ASSIGNMENT_REQUESTED, note)
    _save(case, "assignment_requested")
    return case


@transaction.atomic
def reassign(staff: Staff, case: Case, *, to_staff: Staff, note: str) -> Case:
    """A supervisor names the handler, who is accountable at once; a pending handover is withdrawn."""
    check_long(note=note)
    case = _lock(case)
    transitions.check("reassign", staff, case)
    note = _required(note, _("指派必须填写说明。"))
    if not _serves(to_staff, case.estate):
        raise ValidationError(_("被指派人不服务于该小区或已离职。"))
    if to_staff.pk == case.accountable_id:
        raise ValidationError(_("被指派人已是当前责任人。"))
    pending = case.handovers.filter(status=HandoverStatus.PENDING)
    for h in pending:
        h.status = HandoverStatus.CANCELLED
        h.decided_at = timezone.now()
        h.decided_by = staff
        h.reason = _("领导已直接指派处理人")
        h.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    _give_to(case, to_staff, Responsibility.Via.REASSIGNED, note=note)
    _event(case, staff, Kind.REASSIGNED, note, to=to_staff.pk)
    _save(case, "accountable", "department", "assignment_requested")
    return case


# ---------------------------------------------------------------- handling


@transaction.atomic
def record_attribution(staff: Staff, case: Case, *, attribution: str, note: str = "") -> Case:
    """Record whose fault the underlying problem is (物业、装修、开发商遗留、自然、住户或邻居)."""
    note = (note or "").strip()
    check_lengths({"note": (note, field_max(Case, "attribution_note"))})
    case = _lock(case)
    transitions.check("record_attribution", staff, case)
    if attribution not in Attribution.values:
        raise ValidationError(_("请选择责任归属。"))
    case.attribution = attribution
    case.attribution_note = note
    _event(case, staff, Kind.ATTRIBUTION, case.attribution_note, attribution=attribution)
    _save(case, "attribution", "attribution_note")
    return case


@transaction.atomic
def add_note(staff: Staff, case: Case, *, text: str, to_resident: bool = False) -> CaseNote:
    """Add an internal note, or record a message given to the resident (kept apart)."""
    check_long(text=text)
    case = _lock(case)
    transitions.check("add_message" if to_resident else "add_note", staff, case)
    text = _required(text, _("请填写内容。"))
    kind = CaseNote.Kind.TO_RESIDENT if to_resident else CaseNote.Kind.INTERNAL
    note = CaseNote.objects.create(case=case, kind=kind, author=staff, text=text)
    _event(case, staff, Kind.MESSAGE if to_resident else Kind.NOTE, text, note=note.pk)
    _save(case)
    return note


def resolve_case(staff: Staff, case: Case, *, resolution: str) -> Case:
    """Record the result; repairs and complaints then wait for a return visit, the rest are closed."""
    return _resolve(staff, case, resolution)


def _resolve(staff: Staff, case: Case, resolution: str, **data: object) -> Case:
    check_long(resolution=resolution)
    resolution = _required(resolution, _("请填写处理结果。"))
    # The words are cut before the transaction (when the caller holds none): a long result holds no lock.
    seen = Case.objects.only("resolution", "search_text").get(pk=case.pk)
    return _save_resolution(
        staff, case, resolution, seen, search_text_with_resolution(seen, resolution), data
    )


@transaction.atomic
def _save_resolution(
    staff: Staff, case: Case, resolution: str, seen: Case, words: str, data: dict[str, object]
) -> Case:
    case = _lock(case)
    transitions.check("resolve", staff, case)
    if (case.resolution, case.search_text) != (seen.resolution, seen.search_text):
        words = search_text_with_resolution(case, resolution)  # resolved meanwhile: rare, cut again
    case.resolution = resolution
    now = timezone.now()
    case.resolved_at = now
    _event(case, staff, Kind.RESOLVED, case.resolution, **data)
    if case.category in RETURN_VISIT_CATEGORIES:
        case.status = CaseStatus.RESOLVED
    else:
        case.status = CaseStatus.CLOSED
        case.closed_at = now
        _end_responsibility(case)
        _event(case, staff, Kind.CLOSED, "")
    case.search_text = words
    _save(case, "resolution", "resolved_at", "status", "closed_at", "accountable", "search_text")
    return case


def _reopen(case: Case, staff: Staff, reason: str, **data: object) -> None:
    # The accountable person is kept: the last holder (usually the technician) takes the case again.
    case.status = CaseStatus.OPEN
    case.resolved_at = None
    _event(case, staff, Kind.REOPENED, reason, **data)
    _save(case, "status", "resolved_at")


def _close(case: Case, staff: Staff, note: str, **data: object) -> None:
    case.status = CaseStatus.CLOSED
    case.closed_at = timezone.now()
    _end_responsibility(case)
    _event(case, staff, Kind.CLOSED, note, **data)
    _save(case, "status", "closed_at", "accountable")


def _return_visit_satisfied(case: Case) -> bool:
    """Return whether the latest round's return visit is recorded with a result that allows closing."""
    # followups builds on cases, so its model is imported here rather than at the top (no import cycle).
    from shouwen.followups.models import ReturnVisit

    latest = ReturnVisit.objects.filter(case=case).order_by("-round", "-pk").first()
    return latest is not None and latest.is_satisfied


def resolve_as_accountable(case: Case, *, resolution: str) -> Case:
    """Resolve a repair case in its accountable person's name when its last work order is done.

    Only for :mod:`shouwen.workorders`: the technician who finishes the last work order is often
    not the case's accountable person, whom the transition table requires for "resolve". The
    work order's own timeline entry names the technician; the rules of "resolve" (status, no
    pending handover, the holder still serving the estate) still apply through resolve_case().
    """
    holder = case.accountable
    if holder is None:
        raise transitions.CaseActionDenied(_("事项 %(number)s 没有当前责任人。") % {"number": case.number})
    # Marked: the holder did not resolve it, the technicians did (they may not visit it back).
    return _resolve(holder, case, resolution, by_work_orders=True)


@transaction.atomic
def reopen_case(staff: Staff, case: Case, *, reason: str) -> Case:
    """Reopen a handled case (e.g. the resident is not satisfied); the last holder takes it again."""
    check_long(reason=reason)
    case = _lock(case)
    transitions.check("reopen", staff, case)
    _reopen(case, staff, _required(reason, _("请说明重新打开的原因。")))
    return case


@transaction.atomic
def close_case(staff: Staff, case: Case, *, note: str = "") -> Case:
    """Close a handled case; a repair or complaint needs a satisfied return visit or a supervisor's reason."""
    check_long(note=note)
    case = _lock(case)
    transitions.check("close", staff, case)
    note = note.strip()
    data: dict[str, object] = {}
    # 100% of repairs and every complaint are visited back (001 报修接待 ④, 投诉处理及回访制度 六).
    if case.category in RETURN_VISIT_CATEGORIES and not _return_visit_satisfied(case):
        if not transitions.is_supervisor(staff, case):
            raise ValidationError(
                _("维修和投诉须回访满意后办结，请先记录回访；确实无法回访的，由主管填写原因后办结。")
            )
        note = _required(note, _("未经回访办结，主管必须填写原因。"))
        data["without_return_visit"] = True
    _close(case, staff, note, **data)
    return case


@transaction.atomic
def close_after_return_visit(staff: Staff, case: Case, *, note: str) -> Case:
    """Close the case after the satisfied return visit just recorded.

    Only for :func:`shouwen.followups.services.record_return_visit`: the visitor is any service
    staff member (``record_return_visit`` in the transition table), whereas ``close`` is for the
    holder or a supervisor.
    """
    case = _lock(case)
    transitions.check("record_return_visit", staff, case)
    if not _return_visit_satisfied(case):
        raise ValidationError(_("尚未记录满意的回访结果，不能办结。"))
    _close(case, staff, note.strip(), return_visit=True)
    return case


@transaction.atomic
def reopen_after_return_visit(staff: Staff, case: Case, *, reason: str) -> Case:
    """Give the case back to its last holder after the unsatisfied return visit just recorded.

    Only for :func:`shouwen.followups.services.record_return_visit` (see close_after_return_visit).
    """
    case = _lock(case)
    transitions.check("record_return_visit", staff, case)
    _reopen(case, staff, _required(reason, _("请说明重新打开的原因。")), return_visit=True)
    return case


@transaction.atomic
def decline_case(staff: Staff, case: Case, *, explanation: str) -> Case:
    """Close an unreasonable request as declined, with the explanation given to the resident."""
    check_long(explanation=explanation)
    case = _lock(case)
    transitions.check("decline", staff, case)
    case.status_reason = _required(explanation, _("婉拒必须记录向住户说明的理由。"))
    case.status = CaseStatus.DECLINED
    case.closed_at = timezone.now()
    _end_responsibility(case)
    _event(case, staff, Kind.DECLINED, case.status_reason)
    _save(case, "status", "status_reason", "closed_at", "accountable")
    return case


@transaction.atomic
def void_case(staff: Staff, case: Case, *, reason: str) -> Case:
    """A supervisor voids a mistaken registration; it stays visible and is counted as void."""
    check_long(reason=reason)
    case = _lock(case)
    transitions.check("void", staff, case)
    case.status_reason = _required(reason, _("作废必须填写原因。"))
    case.handovers.filter(status=HandoverStatus.PENDING).update(
        status=HandoverStatus.CANCELLED, decided_at=timezone.now(), decided_by=staff, reason=_("事项已作废")
    )
    case.status = CaseStatus.VOID
    case.closed_at = timezone.now()
    _end_responsibility(case)
    _event(case, staff, Kind.VOIDED, case.status_reason)
    _save(case, "status", "status_reason", "closed_at", "accountable")
    return case


# ---------------------------------------------------------------- documents (一次性告知)


def _tick(case: Case, staff: Staff, item_ids: Sequence[int]) -> list[str]:
    now = timezone.now()
    rows = case.documents.filter(item_id__in=list(item_ids), provided=False).select_related("item")
    ticked = [r.item.text for r in rows]
    rows.update(provided=True, ticked_by=staff, ticked_at=now)
    if ticked:
        _event(case, staff, Kind.DOCUMENTS, "、".join(ticked), items=list(item_ids))
    return ticked


def missing_documents(case: Case) -> list[str]:
    """Return the required documents of the case's procedure not yet provided, in checklist order."""
    return list(
        case.documents.filter(provided=False, item__required=True)
        .order_by("item__order", "item__pk")
        .values_list("item__text", flat=True)
    )


@transaction.atomic
def tick_documents(staff: Staff, case: Case, *, item_ids: Sequence[int]) -> list[str]:
    """Tick the documents the resident has now brought; return what is still missing."""
    case = _lock(case)
    transitions.check("tick_documents", staff, case)
    if not item_ids:
        raise ValidationError({"item_ids": _("请选择住户带来的资料。")})
    if set(item_ids) - set(case.documents.values_list("item_id", flat=True)):
        raise ValidationError({"item_ids": _("所选资料不属于该事项的手续。")})
    _tick(case, staff, item_ids)
    _save(case)
    return missing_documents(case)


def notice_text(case: Case, missing: Sequence[str]) -> str:
    """Return the one complete notice of everything still missing (for print or a text message)."""
    lines = [
        _("【%(estate)s客服中心】一次性告知：您办理的“%(proc)s”（编号 %(number)s）还需补充以下资料：")
        % {
            "estate": case.estate.name,
            "proc": case.procedure.name if case.procedure else "",
            "number": case.number,
        }
    ]
    lines += [f"{i}. {text}" for i, text in enumerate(missing, 1)]
    lines.append(_("请一次带齐以上资料前来办理。如有疑问请致电客服中心。"))
    return "\n".join(lines)


@transaction.atomic
def give_one_time_notice(staff: Staff, case: Case, *, channel: str) -> OneTimeNotice:
    """Record that the resident was told in one go everything still missing."""
    case = _lock(case)
    transitions.check("give_notice", staff, case)
    if channel not in OneTimeNotice.Channel.values:
        raise ValidationError(_("请选择告知方式。"))
    missing = missing_documents(case)
    if not missing:
        raise ValidationError(_("资料已齐全，无需告知。"))
    notice = OneTimeNotice.objects.create(
        case=case, given_by=staff, channel=channel, missing=missing, text=notice_text(case, missing)
    )
    _event(case, staff, Kind.NOTICE, notice.text, channel=channel, missing=missing)
    _save(case)
    return notice


@transaction.atomic
def accept_for_processing(staff: Staff, case: Case, *, override_reason: str = "") -> Case:
    """Accept a procedure for processing: all documents ticked, or a supervisor overrides with a reason."""
    override_reason = (override_reason or "").strip()
    check_lengths({"override_reason": (override_reason, field_max(Case, "documents_override_reason"))})
    case = _lock(case)
    transitions.check("accept_for_processing", staff, case)
    missing = missing_documents(case)
    if missing:
        if not transitions.is_supervisor(staff, case):
            raise ValidationError(
                _("资料未齐（缺：%(missing)s），不能受理；如需先行受理请由主管填写原因。")
                % {"missing": "、".join(missing)}
            )
        case.documents_override_reason = _required(override_reason, _("资料未齐先行受理，必须填写原因。"))
    case.status = CaseStatus.OPEN
    _event(case, staff, Kind.ACCEPTED_FOR_PROCESSING, case.documents_override_reason, missing=missing)
    _save(case, "status", "documents_override_reason")
    return case


# ---------------------------------------------------------------- receipt


def receipt_text(case: Case) -> str:
    """Return the receipt as a text message: the number to quote, who is accountable, what next."""
    holder = case.accountable or case.first_contact
    return _(
        "【%(estate)s客服中心】您反映的事项已受理，编号 %(number)s（%(category)s），首问责任人%(surname)s（工号%(staff_no)s）。"
        "查询进度请报此编号。"
    ) % {
        "estate": case.estate.name,
        "number": case.number,
        "category": case.get_category_display(),
        "surname": case.first_contact.surname,
        "staff_no": case.first_contact.staff_no,
    } + ("" if holder == case.first_contact else _("当前由%(name)s跟进。") % {"name": holder.name})


class SmsLimitReached(ValidationError):
    """The case has had as many text messages to the resident as one day allows; ``wait`` seconds to the next."""

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(message, code="sms_limit")
        self.wait = wait


def check_sms_limit(case: Case) -> None:
    """Refuse a text message to the resident beyond SHOUWEN_SMS_PER_CASE_PER_DAY in 24 hours (case locked)."""
    limit = settings.SHOUWEN_SMS_PER_CASE_PER_DAY
    now = timezone.now()
    day = timedelta(days=1)
    sent = list(
        CaseEvent.objects.filter(case=case, kind=Kind.RECEIPT_SENT, at__gt=now - day)
        .exclude(data__status="failed")  # a message the gateway refused reached nobody
        .order_by("at")
        .values_list("at", flat=True)[:limit]
    )
    if len(sent) < limit:
        return
    free_at = sent[0] + day  # when the oldest of them leaves the 24 hours
    raise SmsLimitReached(
        _(
            "该事项 24 小时内已给住户发送 %(limit)s 条短信，已达上限，请在 %(time)s 之后再发送，或改为电话告知。"
        )
        % {"limit": limit, "time": timezone.localtime(free_at).strftime("%m-%d %H:%M")},
        wait=(free_at - now).total_seconds(),
    )


def send_receipt(staff: Staff, case: Case) -> str:
    """Send the receipt to the caller's phone as a text message and record it in the timeline.

    The message is counted against the day's limit in a short transaction under the case's lock (so
    parallel resends cannot both pass), then the gateway is called outside any transaction (a slow one
    holds no lock), and the entry is marked sent or failed.
    """
    from shouwen.core.sms import send_sms

    event, phone = _reserve_receipt(staff, case)
    result = send_sms(phone, event.text)
    _finish_receipt(event, result.ok, result.reference, result.error)
    if not result.ok:
        raise ValidationError(_("短信发送失败：%(error)s") % {"error": result.error})
    return event.text


@transaction.atomic
def _reserve_receipt(staff: Staff, case: Case) -> tuple[CaseEvent, str]:
    case = _lock(case)
    transitions.check("send_receipt", staff, case)
    check_sms_limit(case)
    phone = case.origin.caller_phone
    if not phone and case.resident_id:
        first = case.resident.phones.first()  # type: ignore[union-attr]
        phone = first.number if first else ""
    if not phone:
        raise ValidationError(_("没有可发送短信的电话号码。"))
    event = _event(case, staff, Kind.RECEIPT_SENT, receipt_text(case), status="sending")
    _save(case)
    return event, phone


@transaction.atomic
def _finish_receipt(event: CaseEvent, ok: bool, reference: str, error: str) -> None:
    # The entry stays on the timeline either way: what was tried, and whether it went out.
    event.data = {**event.data, "status": "sent" if ok else "failed", "reference": reference}
    if not ok:
        event.data["error"] = error[:200]
    event.save(update_fields=["data"])


# ---------------------------------------------------------------- attachments

# What a file really is, told by its first bytes; the name and the browser's content type are not trusted.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})


def sniff_attachment_type(head: bytes) -> tuple[str, str] | None:
    """Return (content type, file suffix) of an allowed photo or PDF from its first bytes, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif", ".gif"
    if head.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:  # photos from iPhones
        return "image/heic", ".heic"
    return None


def _original_name(name: str) -> str:
    # Some browsers send a full path (C:\fakepath\...); keep the last part only.
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:200] or _("附件")


@transaction.atomic
def add_attachment(staff: Staff, case: Case, *, upload: UploadedFile) -> Attachment:
    """Attach a photo or PDF to the case after checking its real type and its size."""
    case = _lock(case)
    transitions.check("attach", staff, case)
    max_mb = settings.SHOUWEN_ATTACHMENT_MAX_MB
    size = upload.size or 0
    if size > max_mb * 1024 * 1024:
        raise ValidationError(_("文件不能超过 %(mb)s MB") % {"mb": max_mb})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    sniffed = sniff_attachment_type(head)
    if sniffed is None:
        raise ValidationError(_("只能上传图片（JPG、PNG、WebP、GIF）或 PDF 文件"))
    content_type, suffix = sniffed
    name = _original_name(upload.name or "")
    attachment = Attachment(
        case=case, original_name=name, content_type=content_type, size=size, uploaded_by=staff
    )
    # The stored name takes the suffix of the real type, whatever the upload was called.
    attachment.file.save(f"upload{suffix}", upload, save=False)
    attachment.save()
    _event(case, staff, Kind.ATTACHMENT, name, attachment=attachment.pk, content_type=content_type, size=size)
    _save(case)
    return attachment
