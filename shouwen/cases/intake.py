"""Registering a call, visit or letter (来电来访登记): the checks, the case number, the first holder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.cases import transitions
from shouwen.cases.documents import _tick, missing_documents
from shouwen.cases.lib import Kind, _join_words, _required, _search_words, _serves
from shouwen.cases.lib import lock_case as _lock
from shouwen.cases.lib import record_event as _event
from shouwen.cases.lib import save_case as _save
from shouwen.cases.models import (
    REPAIR_CATEGORIES,
    Case,
    CaseCounter,
    CaseDocument,
    CaseStatus,
    Category,
    Contact,
    Responsibility,
    Urgency,
)
from shouwen.cases.search import segment_for_index
from shouwen.core.textlimits import LONG_TEXT_MAX, check_lengths, check_long, field_max
from shouwen.directory.models import Department, Estate, PublicArea, Resident, Staff, Unit
from shouwen.directory.phones import normalize_phone
from shouwen.procedures.models import Procedure

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


# Words that make a repair an emergency (someone on site within minutes, the on-duty technicians told at
# once, night or day): people trapped, water or gas escaping, fire, live electricity.
EMERGENCY_WORDS = (
    "困人",
    "被困",
    "爆管",
    "水管爆裂",
    "燃气",
    "煤气",
    "漏气",
    "着火",
    "起火",
    "冒烟",
    "漏电",
    "触电",
)
# Words that make it urgent (within hours): leaks, no water or power, blocked drains, a stopped lift.
URGENT_WORDS = (*LEAK_WORDS, "停电", "停水", "没电", "没水", "跳闸", "堵塞", "电梯")


def classify_urgency(text: str) -> str:
    """Propose a repair's urgency from its description; the clerk may always choose another."""
    if any(w in text for w in EMERGENCY_WORDS):
        return Urgency.EMERGENCY
    if any(w in text for w in URGENT_WORDS):
        return Urgency.URGENT
    return Urgency.NORMAL


def classify_repair(text: str) -> str:
    """Suggest the repair type from the description: safety facility, leak, or other."""
    if any(w in text for w in SAFETY_WORDS):
        return "safety"
    if any(w in text for w in LEAK_WORDS):
        return "leak"
    return "other"


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
    urgency: str = "",
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
    if urgency and urgency not in Urgency.values:
        errors["urgency"] = _("请选择正确的紧急程度。")
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
    urgency: str
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
    urgency: str = "",
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
        urgency=urgency,
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
        urgency=(urgency or classify_urgency(content)) if category in REPAIR_CATEGORIES else "",
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
        urgency=draft.urgency,
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
