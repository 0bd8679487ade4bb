"""Every rule of what a resident does in the portal: report, add information, answer the visit, cancel.

What a resident may see is in :mod:`shouwen.portal.queries`; these services act only on the
resident's own matters (``cases_of``) and say so with the same "not found" for anyone else's.

Reporting registers a contact through the intake services (``prepare_contact`` / ``save_contact``,
as the intake page and the API do) on channel ``web`` (网站/手机). The first-contact owner is the
estate's desk on duty (:func:`desk_owner`), so the deadlines, the receipt and the accountability
chain are as for a call; the resident's own words and photos are kept as they were sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwen.cases.attachments import check_upload
from shouwen.cases.idempotency import IdempotencyConflict, request_hash
from shouwen.cases.lib import lock_case, record_event, save_case
from shouwen.cases.models import ACTIVE_STATUSES, Attachment, Case, CaseEvent, CaseStatus, Category, Channel
from shouwen.core.i18n import stored
from shouwen.core.textlimits import check_long
from shouwen.directory.models import Department, DepartmentKind, Estate, Resident, Staff, Unit
from shouwen.portal.models import CancelRequest, ReportKey
from shouwen.portal.queries import cases_of, current_occupancies

if TYPE_CHECKING:
    from shouwen.followups.models import ReturnVisit

Kind = CaseEvent.Kind

# What a resident reports from the portal: a repair at home or in a common area, or a complaint.
REPORT_CATEGORIES = (Category.HOUSEHOLD_REPAIR, Category.PUBLIC_REPAIR, Category.COMPLAINT)
MAX_PHOTOS = 6


class NotYours(Exception):
    """The case is not one of the resident's matters (answered as "not found")."""


def case_of(resident: Resident, pk: int) -> Case:
    """Return the resident's matter ``pk`` or raise NotYours."""
    case = cases_of(resident).filter(pk=pk).first()
    if case is None:
        raise NotYours(pk)
    return case


# --- who takes a resident's report ------------------------------------------------------------


def _may_register(staff: Staff | None, estate: Estate) -> bool:
    from shouwen.access.permissions import can
    from shouwen.access.roles import Cap
    from shouwen.cases.lib import _serves

    return (
        staff is not None
        and staff.is_active
        and can(staff.user, Cap.CASE_REGISTER)
        and _serves(staff, estate)
    )


def desk_owner(estate: Estate) -> Staff:
    """Return who becomes the first-contact owner of a report from the portal, now.

    In this order, the first who may register for the estate: the person of the estate's
    customer-service department on duty now by the roster (the earliest shift if two overlap); the
    department's head; the department's front-desk clerks by staff number. Nobody: the report is
    refused with the service phone to call.
    """
    from shouwen.duty.roster import on_duty

    department = (
        Department.objects.filter(estate=estate, kind=DepartmentKind.SERVICE).select_related("head").first()
    )
    if department is not None:
        for entry in on_duty(estate, timezone.now(), department):
            if _may_register(entry.staff, estate):
                return entry.staff
        if _may_register(department.head, estate):
            assert department.head is not None
            return department.head
        for staff in Staff.objects.filter(
            department=department, is_active=True, roles__role="front_desk"
        ).order_by("staff_no"):
            if _may_register(staff, estate):
                return staff
    phone = estate.company.service_phone
    raise ValidationError(
        _("暂时无法在线受理，请致电客服中心 %(phone)s。") % {"phone": phone}
        if phone
        else _("暂时无法在线受理，请致电或到客服中心反映。"),
        code="no_desk",
    )


# --- photos ----------------------------------------------------------------------------------


def check_photos(photos: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str, str, str, int]]:
    """Check each photo exactly as a case attachment is checked; all messages at once under "photos"."""
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("最多上传 %(max)s 张照片。") % {"max": MAX_PHOTOS}]})
    checked, errors = [], []
    for photo in photos:
        try:
            checked.append((photo, *check_upload(photo)))
        except ValidationError as error:
            errors.append(f"{photo.name}: {error.messages[0]}")
    if errors:
        raise ValidationError({"photos": errors})
    return checked


def _attach(
    case: Case, resident: Resident, uploader: Staff, checked: list[tuple[UploadedFile, str, str, str, int]]
) -> None:
    """Store checked photos on the case, each entry on the timeline as the resident's."""
    for upload, content_type, suffix, name, size in checked:
        # The row names the staff member the report was registered by (the column needs one);
        # the timeline entry names the resident who sent the photo.
        attachment = Attachment(
            case=case, original_name=name, content_type=content_type, size=size, uploaded_by=uploader
        )
        attachment.file.save(f"upload{suffix}", upload, save=False)
        attachment.save()
        record_event(
            case,
            None,
            Kind.ATTACHMENT,
            stored(gettext_noop("住户%(name)s上传照片：%(file)s"), name=resident.name, file=name),
            attachment=attachment.pk,
            content_type=content_type,
            size=size,
            by_resident=resident.pk,
            words=name,
        )


# --- reporting -------------------------------------------------------------------------------


def _phone_of(resident: Resident) -> str:
    numbers = list(resident.phones.values_list("number", flat=True))
    mobiles = [n for n in numbers if n.startswith("1")]
    return (mobiles or numbers or [""])[0]


def _check_report(
    resident: Resident,
    category: str,
    content: str,
    unit: Unit | int | None,
    photos: Sequence[UploadedFile],
) -> tuple[Unit | None, list[tuple[UploadedFile, str, str, str, int]]]:
    """Refuse a report that breaks a rule, all messages at once; return its unit and checked photos."""
    errors: dict[str, list[str]] = {}
    if category not in REPORT_CATEGORIES:
        errors["category"] = [_("请选择报修或投诉。")]
    own_units = {o.unit_id: o.unit for o in current_occupancies(resident)}
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    chosen: Unit | None = None
    if unit_id is not None:
        chosen = own_units.get(unit_id)
        if chosen is None:
            errors["unit"] = [_("请选择您名下的房屋。")]
    elif category == Category.HOUSEHOLD_REPAIR:
        if len(own_units) == 1:
            chosen = next(iter(own_units.values()))
        else:
            errors["unit"] = [_("居家维修请选择房屋。")]
    if not (content or "").strip():
        errors["content"] = [_("请描述需要报修或投诉的情况。")]
    try:
        checked = check_photos(photos)
    except ValidationError as error:
        errors.update(error.message_dict)
        checked = []
    if errors:
        raise ValidationError(errors)
    return chosen, checked


def report(
    resident: Resident,
    *,
    category: str,
    content: str,
    unit: Unit | int | None = None,
    location: str = "",
    preferred_time: str = "",
    photos: Sequence[UploadedFile] = (),
    key: str = "",
) -> tuple[Case, bool]:
    """Register the resident's repair or complaint; return the case and whether this call created it.

    With ``key`` (the API's Idempotency-Key, the page form's own key) the same report sent twice
    is one case: the second answer is the first case; the same key with other content is refused.
    """
    from shouwen.cases.intake import prepare_contact, save_contact
    from shouwen.notifications.services import notify

    chosen, checked = _check_report(resident, category, content, unit, photos)
    estate = chosen.building.estate if chosen is not None else resident.estate
    payload = {
        "category": category,
        "content": content,
        "unit": chosen.pk if chosen else None,
        "location": location,
        "preferred_time": preferred_time,
        "photos": [(p.name, p.size) for p in photos],
    }
    digest = request_hash(payload)
    if key:
        found = _replay(resident, key, digest)
        if found is not None:
            return found, False
    owner = desk_owner(estate)
    draft = prepare_contact(
        owner,
        estate=estate,
        channel=Channel.WEB,
        category=category,
        content=content,
        caller_name=resident.name,
        caller_phone=_phone_of(resident),
        resident=resident,
        unit=chosen,
        location=location,
        preferred_time=preferred_time,
    )
    try:
        with transaction.atomic():
            contact = save_contact(draft)
            case = contact.case
            assert case is not None
            CaseEvent.objects.filter(case=case, kind=Kind.REGISTERED).update(
                data={"channel": Channel.WEB, "number": case.number, "reported_by_resident": resident.pk}
            )
            _attach(case, resident, owner, checked)
            if key:
                ReportKey.objects.create(resident=resident, key=key[:100], request_hash=digest, case=case)
    except IntegrityError:
        found = _replay(resident, key, digest) if key else None
        if found is None:
            raise
        return found, False
    notify(
        owner,
        title=stored(
            gettext_noop("住户在线报事 %(number)s：%(summary)s"), number=case.number, summary=case.summary
        ),
        body=case.origin.content,
        case=case,
    )
    return case, True


def _replay(resident: Resident, key: str, digest: str) -> Case | None:
    row = ReportKey.objects.select_related("case").filter(resident=resident, key=key[:100]).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise IdempotencyConflict(
            _("同一个 Idempotency-Key 已用于不同的报事内容，请为新的报事使用新的 Key。")
        )
    return row.case


# --- adding information, cancelling ------------------------------------------------------------


def _active(case: Case) -> None:
    if case.status not in ACTIVE_STATUSES:
        raise ValidationError(
            _("该事项已%(status)s，不能再补充或撤销。") % {"status": case.get_status_display()}
        )


def _tell_holder(case: Case, title: str, body: str) -> None:
    from shouwen.notifications.services import notify

    if case.accountable is not None:
        notify(case.accountable, title=title, body=body, case=case)


def add_information(
    resident: Resident, case: Case, *, text: str, photos: Sequence[UploadedFile] = ()
) -> CaseEvent | None:
    """Add the resident's words (and photos) to an open matter of theirs; the holder is told."""
    check_long(text=text)
    text = (text or "").strip()
    if not text and not photos:
        raise ValidationError({"text": [_("请填写要补充的内容或上传照片。")]})
    checked = check_photos(photos)
    with transaction.atomic():
        case = lock_case(case_of(resident, case.pk))
        _active(case)
        event = None
        if text:
            event = record_event(
                case,
                None,
                Kind.CONTACT,
                stored(gettext_noop("住户%(name)s在网站/手机补充：%(text)s"), name=resident.name, text=text),
                channel=Channel.WEB,
                by_resident=resident.pk,
                words=text,
            )
        _attach(case, resident, case.first_contact, checked)
        save_case(case)
    _tell_holder(
        case,
        stored(gettext_noop("%(number)s 住户补充了信息"), number=case.number),
        text or _("（照片）"),
    )
    return event


def request_cancel(resident: Resident, case: Case, *, reason: str) -> CancelRequest:
    """Ask the desk to cancel an open matter: a request the holder decides; nothing is deleted."""
    check_long(reason=reason)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明撤销的原因。")]})
    try:
        with transaction.atomic():
            case = lock_case(case_of(resident, case.pk))
            _active(case)
            request = CancelRequest.objects.create(case=case, resident=resident, reason=reason)
            record_event(
                case,
                None,
                Kind.CONTACT,
                stored(gettext_noop("住户%(name)s申请撤销：%(reason)s"), name=resident.name, reason=reason),
                channel=Channel.WEB,
                by_resident=resident.pk,
                cancel_request=request.pk,
                words=reason,
            )
            save_case(case)
    except IntegrityError:
        raise ValidationError(_("已申请撤销，请等待客服处理。")) from None
    _tell_holder(case, stored(gettext_noop("%(number)s 住户申请撤销，请处理"), number=case.number), reason)
    return request


def decide_cancel(staff: Staff, request: CancelRequest, *, accept: bool, answer: str) -> CancelRequest:
    """The desk decides a cancel request: accepted voids the case (a supervisor's action), refused keeps it.

    Either way the answer is recorded as a message to the resident on the case; the request stays.
    """
    from shouwen.cases import lifecycle, transitions
    from shouwen.core.services import for_update

    check_long(answer=answer)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": [_("请填写给住户的答复。")]})
    with transaction.atomic():
        case = lock_case(request.case)
        request = for_update(CancelRequest).get(pk=request.pk)
        if request.status != CancelRequest.Status.PENDING:
            from shouwen.cases.lib import CaseConflict

            raise CaseConflict(_("该撤销申请已处理，请刷新页面。"))
        transitions.check("add_message", staff, case)
        lifecycle.add_note(staff, case, text=answer, to_resident=True)
        if accept:
            lifecycle.void_case(
                staff, case, reason=stored(gettext_noop("住户申请撤销：%(reason)s"), reason=request.reason)
            )
        request.status = CancelRequest.Status.ACCEPTED if accept else CancelRequest.Status.REFUSED
        request.handled_by = staff
        request.handled_at = timezone.now()
        request.answer = answer
        request.save(update_fields=["status", "handled_by", "handled_at", "answer"])
    return request


def pending_cancel(case: Case) -> CancelRequest | None:
    """Return the resident's cancel request still waiting for the desk, if any."""
    return CancelRequest.objects.filter(case=case, status=CancelRequest.Status.PENDING).first()


# --- the return visit answered by the resident -------------------------------------------------


def open_visit(case: Case) -> ReturnVisit | None:
    """Return the case's return visit waiting for the resident's answer, if any."""
    from shouwen.followups.models import ReturnVisit, VisitStatus

    if case.status != CaseStatus.RESOLVED:
        return None
    return ReturnVisit.objects.filter(case=case, status=VisitStatus.PENDING).first()


def answer_return_visit(
    resident: Resident, case: Case, *, satisfaction: str, comments: str = ""
) -> ReturnVisit:
    """Record the resident's own answer to the return visit: it closes or reopens the case.

    It counts as the visit of the round (channel 住户在线评价, by the resident, no staff visitor), with
    the rules of a visit a staff member records: satisfied (or basically) closes the case,
    unsatisfied needs the resident's words and gives the case back to its holder.
    """
    from shouwen.cases import lifecycle
    from shouwen.core.services import for_update
    from shouwen.followups.models import (
        SATISFIED_RESULTS,
        ReturnVisit,
        Satisfaction,
        VisitChannel,
        VisitStatus,
    )

    comments = (comments or "").strip()
    check_long(comments=comments)
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": [_("请选择您的满意程度。")]})
    if satisfaction == Satisfaction.UNSATISFIED and not comments:
        raise ValidationError({"comments": [_("不满意时请告诉我们哪里需要改进。")]})
    with transaction.atomic():
        case = lock_case(case_of(resident, case.pk))
        visit = (
            for_update(ReturnVisit).filter(case=case, status=VisitStatus.PENDING).first()
            if case.status == CaseStatus.RESOLVED
            else None
        )
        if visit is None:
            raise ValidationError(_("该事项目前没有待评价的回访。"))
        now = timezone.now()
        visit.status = VisitStatus.DONE
        visit.by_resident = resident
        visit.visited_at = now
        visit.channel = VisitChannel.PORTAL
        visit.satisfaction = satisfaction
        visit.comments = comments
        visit.save(
            update_fields=["status", "by_resident", "visited_at", "channel", "satisfaction", "comments"]
        )
        summary = stored(
            gettext_noop("第%(round)s次%(channel)s回访：%(result)s"),
            round=visit.round,
            channel=VisitChannel.PORTAL.label,
            result=Satisfaction(satisfaction).label,
        )
        CaseEvent.objects.create(
            case=case,
            actor=None,
            kind=Kind.RETURN_VISIT,
            at=now,
            text=stored(gettext_noop("%(summary)s。%(comments)s"), summary=summary, comments=comments)
            if comments
            else summary,
            data={
                "visit": visit.pk,
                "round": visit.round,
                "channel": VisitChannel.PORTAL,
                "satisfaction": satisfaction,
                "by_resident": resident.pk,
            },
        )
        # The same outcome as a visit recorded by staff (followups.services.record_return_visit),
        # with nobody of the staff as the actor: the resident answered.
        if satisfaction in SATISFIED_RESULTS:
            lifecycle._close(
                case,
                None,  # type: ignore[arg-type]
                stored(gettext_noop("回访%(result)s，办结。"), result=Satisfaction(satisfaction).label),
                return_visit=True,
                by_resident=resident.pk,
            )
        else:
            lifecycle._reopen(
                case,
                None,  # type: ignore[arg-type]
                stored(gettext_noop("回访不满意：%(comments)s"), comments=comments),
                return_visit=True,
                by_resident=resident.pk,
            )
    return visit
