"""Every rule of notices (通知公告): drafting, publishing, withdrawing, reading, text messages, the board.

- A clerk (or supervisor) drafts a notice for the whole estate, some buildings or some units, with a
  validity period and photos or PDFs checked like a case's attachments; only a draft can be edited.
- The supervisor publishes it: the households reached are fixed then (the occupied units of the
  audience, parking spaces left out), and, when asked for, one text message is queued per mobile
  number of those households' residents, except residents who opted out (and any number of theirs).
- A published notice is never deleted: it is withdrawn, with a reason; messages not yet sent are
  cancelled. Every step is a :class:`NoticeEvent` with who and when.
- A household has read the notice when one of its residents opens it on the portal or through the
  signed link of the text message; staff see how many households were reached, read and not, and
  the list of those to phone (numbers masked; revealed through the logged reveal).
- The worker sends the messages: never during quiet hours (held until they end), at most
  ``SHOUWEN_NOTICE_SMS_PER_MINUTE`` a minute across all workers (the minute's lease), each number once
  per notice (a unique row, claimed before sending; one a dead worker left "sending" is failed, not sent again).
- The estate's bulletin board is renewed every two weeks (001 社区文化 (2)); when the last renewal is
  14 days old the customer-service supervisors are reminded, once per lapse.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import AnyUser, can_see_estate, scope_queryset
from shouwen.cases.attachments import sniff_attachment_type
from shouwen.core.history import acting_as
from shouwen.core.leases import claim_period, worker_id
from shouwen.core.retry import retry_on_lock
from shouwen.core.sms import send_sms
from shouwen.core.textlimits import LONG_TEXT_MAX, check_lengths
from shouwen.directory.models import (
    Building,
    Estate,
    Occupancy,
    Resident,
    ResidentPhone,
    Staff,
    Unit,
    UnitKind,
)
from shouwen.notices.models import (
    SMS_DUE,
    Audience,
    BoardReminder,
    BoardRenewal,
    EventKind,
    Notice,
    NoticeAttachment,
    NoticeEvent,
    NoticeHousehold,
    NoticeSms,
    NoticeStatus,
    ReadVia,
    SmsStatus,
)

logger = logging.getLogger("shouwen.notices")

# 001 社区文化 (2): 宣传栏……每两周更换.
BOARD_RENEWAL_DAYS = 14
SUPERVISOR_ROLE = "cs_supervisor"
SMS_LEASE = "notices.sms"
# A message claimed this long ago and still "sending" belongs to a worker that died mid-send.
STALE_SENDING = timedelta(minutes=15)
LINK_SALT = "shouwen.notices.sms-link"


def _refuse_unless(staff: Staff, cap: str, estate_id: int, message: str) -> None:
    if not staff.is_active or not can(staff.user, cap) or not can_see_estate(staff.user, estate_id):
        raise PermissionDenied(message)


# ---------------------------------------------------------------- audience


def audience_units(notice: Notice) -> QuerySet[Unit]:
    """Return the units the notice is for (parking spaces are no household and are left out)."""
    units = Unit.objects.filter(building__estate_id=notice.estate_id).exclude(kind=UnitKind.PARKING)
    if notice.audience == Audience.BUILDINGS:
        units = units.filter(building__in=notice.buildings.all())
    elif notice.audience == Audience.UNITS:
        units = units.filter(pk__in=notice.units.all())
    return units


def occupied(units: QuerySet[Unit], today: date | None = None) -> QuerySet[Unit]:
    """Return the units with at least one current occupant (a household)."""
    current = Occupancy.objects.filter(Occupancy.current_q(today), unit=OuterRef("pk"))
    return units.filter(Exists(current))


def audience_label(notice: Notice) -> str:
    """Return the audience as people say it: 全小区, 3栋、5栋, 3栋2单元1502…"""
    if notice.audience == Audience.BUILDINGS:
        return "、".join(b.name for b in notice.buildings.order_by("code"))
    if notice.audience == Audience.UNITS:
        return "、".join(unit_label(u) for u in notice.units.select_related("building").order_by("pk"))
    return _("全小区")


def unit_label(unit: Unit) -> str:
    """Return 3栋2单元1502 (or 1栋101 without an entrance)."""
    entrance = _("%(e)s单元") % {"e": unit.entrance} if unit.entrance else ""
    return f"{unit.building.name}{entrance}{unit.number}"


# ---------------------------------------------------------------- the text message


def sms_signature(estate: Estate) -> str:
    """The signature every text message starts with."""
    return f"【{estate.name}】"


def sms_link(message_pk: int) -> str:
    """The signed link of one message: it opens the notice and counts the household as read."""
    token = signing.Signer(salt=LINK_SALT).sign(str(message_pk))
    return f"{settings.SHOUWEN_SITE_URL}{reverse('notices_portal:link', args=[token])}"


def compose_sms(estate: Estate, text: str, link: str) -> str:
    """The whole text message: signature, the notice's text and the link."""
    return f"{sms_signature(estate)}{text.strip()} {_('详情：')}{link}"


# The link of a message with a ten-digit id: the length is checked before any message exists.
_LONGEST_ID = 10**10


def check_sms_text(estate: Estate, text: str) -> None:
    """Refuse an empty text message or one longer than the SMS limit, signature and link included."""
    if not text.strip():
        raise ValidationError({"sms_text": [_("请填写短信内容。")]})
    limit = settings.SHOUWEN_NOTICE_SMS_MAX_CHARS
    whole = compose_sms(estate, text, sms_link(_LONGEST_ID))
    if len(whole) > limit:
        raise ValidationError(
            {
                "sms_text": [
                    _(
                        "短信连同签名和链接共 %(total)s 字，超过上限 %(limit)s 字，请把短信内容删减 %(over)s 字"
                        "（短信内容最多 %(room)s 字）。"
                    )
                    % {
                        "total": len(whole),
                        "limit": limit,
                        "over": len(whole) - limit,
                        "room": max(limit - (len(whole) - len(text.strip())), 0),
                    }
                ]
            }
        )


def sms_room(estate: Estate) -> int:
    """How many characters the notice's own text may have."""
    return max(settings.SHOUWEN_NOTICE_SMS_MAX_CHARS - len(compose_sms(estate, "", sms_link(_LONGEST_ID))), 0)


# ---------------------------------------------------------------- drafting


@dataclass
class NoticeInput:
    """What staff type into a notice."""

    title: str
    body: str
    valid_from: date
    valid_until: date | None = None
    audience: str = Audience.ESTATE
    buildings: Sequence[Building] = field(default_factory=tuple)
    units: Sequence[Unit] = field(default_factory=tuple)
    sms: bool = False
    sms_text: str = ""


def _check_input(estate: Estate, data: NoticeInput) -> None:
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = [_("请填写标题。")]
    if not data.body.strip():
        errors["body"] = [_("请填写正文。")]
    if data.audience not in Audience.values:
        errors["audience"] = [_("请选择通知范围。")]
    if data.audience == Audience.BUILDINGS and not data.buildings:
        errors["buildings"] = [_("请选择至少一个楼栋。")]
    if data.audience == Audience.UNITS and not data.units:
        errors["units"] = [_("请选择至少一户房屋。")]
    if any(b.estate_id != estate.pk for b in data.buildings):
        errors["buildings"] = [_("所选楼栋不属于该小区。")]
    if any(u.building.estate_id != estate.pk for u in data.units):
        errors["units"] = [_("所选房屋不属于该小区。")]
    if data.valid_until is not None and data.valid_until < data.valid_from:
        errors["valid_until"] = [_("有效期的结束日期不能早于开始日期。")]
    if errors:
        raise ValidationError(errors)
    check_lengths({"title": (data.title, 100), "body": (data.body, LONG_TEXT_MAX)})
    if data.sms:
        check_sms_text(estate, data.sms_text)


def _apply(notice: Notice, data: NoticeInput) -> None:
    notice.title = data.title.strip()
    notice.body = data.body.strip()
    notice.audience = data.audience
    notice.valid_from = data.valid_from
    notice.valid_until = data.valid_until
    notice.sms = data.sms
    notice.sms_text = data.sms_text.strip() if data.sms else ""


def _set_audience(notice: Notice, data: NoticeInput) -> None:
    notice.buildings.set(data.buildings if data.audience == Audience.BUILDINGS else [])
    notice.units.set(data.units if data.audience == Audience.UNITS else [])


def _snapshot(notice: Notice) -> dict[str, Any]:
    return {
        "title": notice.title,
        "body": notice.body,
        "audience": notice.audience,
        "buildings": sorted(notice.buildings.values_list("pk", flat=True)),
        "units": sorted(notice.units.values_list("pk", flat=True)),
        "valid_from": notice.valid_from.isoformat(),
        "valid_until": notice.valid_until.isoformat() if notice.valid_until else None,
        "sms": notice.sms,
        "sms_text": notice.sms_text,
    }


@transaction.atomic
def create_draft(
    staff: Staff, estate: Estate, data: NoticeInput, *, now: datetime | None = None, idempotency_key: str = ""
) -> Notice:
    """Write a new draft notice of the estate; the same Idempotency-Key again returns the first draft."""
    _refuse_unless(staff, Cap.NOTICE_WRITE, estate.pk, _("您不能为该小区拟写通知。"))
    key = idempotency_key.strip()[:100]
    if key:
        earlier = Notice.objects.filter(created_by=staff, idempotency_key=key).first()
        if earlier is not None:
            return earlier
    _check_input(estate, data)
    now = now or timezone.now()
    notice = Notice(
        estate=estate, created_by=staff, created_at=now, updated_by=staff, updated_at=now, idempotency_key=key
    )
    _apply(notice, data)
    notice.save()
    _set_audience(notice, data)
    NoticeEvent.objects.create(notice=notice, kind=EventKind.CREATED, by=staff, at=now)
    return notice


def _locked(notice: Notice) -> Notice:
    return Notice.objects.select_for_update().select_related("estate").get(pk=notice.pk)


@transaction.atomic
def update_draft(staff: Staff, notice: Notice, data: NoticeInput, *, now: datetime | None = None) -> Notice:
    """Change a draft; what it said before is kept in the edit's event. Published notices are fixed."""
    _refuse_unless(staff, Cap.NOTICE_WRITE, notice.estate_id, _("您不能修改该小区的通知。"))
    locked = _locked(notice)
    if locked.status != NoticeStatus.DRAFT:
        raise ValidationError(_("只有草稿可以修改；已发布的通知如需更正，请撤回后重新发布。"))
    _check_input(locked.estate, data)
    before = _snapshot(locked)
    now = now or timezone.now()
    _apply(locked, data)
    locked.updated_by = staff
    locked.updated_at = now
    locked.save()
    _set_audience(locked, data)
    NoticeEvent.objects.create(notice=locked, kind=EventKind.EDITED, by=staff, at=now, before=before)
    return locked


def _checked_file(upload: UploadedFile) -> tuple[str, str]:
    """Return (content type, suffix) of an allowed photo or PDF; refuse too big or disguised files."""
    max_mb = settings.SHOUWEN_ATTACHMENT_MAX_MB
    if (upload.size or 0) > max_mb * 1024 * 1024:
        raise ValidationError({"file": [_("文件不能超过 %(mb)s MB") % {"mb": max_mb}]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    sniffed = sniff_attachment_type(head)
    if sniffed is None:
        raise ValidationError({"file": [_("只能上传图片（JPG、PNG、WebP、GIF）或 PDF 文件")]})
    return sniffed


@transaction.atomic
def add_attachment(staff: Staff, notice: Notice, upload: UploadedFile) -> NoticeAttachment:
    """Attach a photo or PDF to a draft, its real type told from its content."""
    _refuse_unless(staff, Cap.NOTICE_WRITE, notice.estate_id, _("您不能修改该小区的通知。"))
    locked = _locked(notice)
    if locked.status != NoticeStatus.DRAFT:
        raise ValidationError(_("只能给草稿添加附件。"))
    content_type, suffix = _checked_file(upload)
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or _("附件")
    attachment = NoticeAttachment(
        notice=locked, original_name=name, content_type=content_type, size=upload.size or 0, uploaded_by=staff
    )
    attachment.file.save(f"upload{suffix}", upload, save=False)
    attachment.save()
    NoticeEvent.objects.create(notice=locked, kind=EventKind.ATTACHED, by=staff, note=name)
    return attachment


# ---------------------------------------------------------------- publishing and withdrawing


@dataclass(frozen=True)
class Published:
    """What publishing did: households reached, messages queued, residents left out by their opt-out."""

    notice: Notice
    households: int
    messages: int
    opted_out: int


def _is_mobile(number: str) -> bool:
    return len(number) == 11 and number.startswith("1") and number.isdigit()


def _queue_messages(notice: Notice, households: list[NoticeHousehold], now: datetime) -> tuple[int, int]:
    """Queue one message per mobile number of the households' residents; return (queued, opted-out residents)."""
    from shouwen.notifications.services import quiet_hours_end

    by_unit = {h.unit_id: h for h in households}
    today = timezone.localdate(now)
    occupancies = (
        Occupancy.objects.filter(Occupancy.current_q(today), unit_id__in=by_unit)
        .select_related("resident")
        .order_by("unit_id", "pk")
    )
    opted_out_numbers = set(
        ResidentPhone.objects.filter(
            resident__estate_id=notice.estate_id, resident__notice_sms_opt_out=True
        ).values_list("number", flat=True)
    )
    phones: dict[int, list[str]] = {}
    for p in ResidentPhone.objects.filter(resident__in=[o.resident_id for o in occupancies]).order_by("pk"):
        phones.setdefault(p.resident_id, []).append(p.number)
    resume = quiet_hours_end(now)
    status, after = (SmsStatus.HELD, resume) if resume is not None else (SmsStatus.PENDING, None)
    rows: dict[str, NoticeSms] = {}
    left_out: set[int] = set()
    for o in occupancies:
        if o.resident.notice_sms_opt_out:
            left_out.add(o.resident_id)
            continue
        for number in phones.get(o.resident_id, []):
            if not _is_mobile(number) or number in opted_out_numbers or number in rows:
                continue
            rows[number] = NoticeSms(
                notice=notice,
                household=by_unit[o.unit_id],
                resident=o.resident,
                phone=number,
                status=status,
                deliver_after=after,
            )
    NoticeSms.objects.bulk_create(rows.values(), ignore_conflicts=True)
    return len(rows), len(left_out)


def publish(staff: Staff, notice: Notice, *, now: datetime | None = None) -> Published:
    """Publish a draft: fix the households reached and queue the text messages (if asked for)."""
    _refuse_unless(staff, Cap.NOTICE_PUBLISH, notice.estate_id, _("只有客服主管可以发布通知。"))
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(notice)
        if locked.status != NoticeStatus.DRAFT:
            raise ValidationError(
                _("该通知已%(status)s，不能再发布。") % {"status": locked.get_status_display()}
            )
        if locked.sms:
            check_sms_text(locked.estate, locked.sms_text)
        units = list(occupied(audience_units(locked), timezone.localdate(now)).values_list("pk", flat=True))
        NoticeHousehold.objects.bulk_create(NoticeHousehold(notice=locked, unit_id=pk) for pk in units)
        households = list(NoticeHousehold.objects.filter(notice=locked))
        queued, opted_out = _queue_messages(locked, households, now) if locked.sms else (0, 0)
        locked.status = NoticeStatus.PUBLISHED
        locked.published_by = staff
        locked.published_at = now
        locked.save(update_fields=["status", "published_by", "published_at"])
        note = _("送达 %(h)s 户；短信 %(m)s 条，%(o)s 位住户不接收通知短信。") % {
            "h": len(households),
            "m": queued,
            "o": opted_out,
        }
        NoticeEvent.objects.create(notice=locked, kind=EventKind.PUBLISHED, by=staff, at=now, note=note)
    return Published(locked, len(households), queued, opted_out)


@transaction.atomic
def withdraw(staff: Staff, notice: Notice, *, reason: str, now: datetime | None = None) -> Notice:
    """Withdraw a notice (a published one by the supervisor, a draft by its writers); messages not sent are cancelled."""
    locked = _locked(notice)
    cap = Cap.NOTICE_PUBLISH if locked.status == NoticeStatus.PUBLISHED else Cap.NOTICE_WRITE
    _refuse_unless(staff, cap, locked.estate_id, _("您不能撤回该通知。"))
    if locked.status == NoticeStatus.WITHDRAWN:
        raise ValidationError(_("该通知已撤回。"))
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写撤回原因。")]})
    check_lengths({"reason": (reason, 200)})
    now = now or timezone.now()
    cancelled = NoticeSms.objects.filter(notice=locked, status__in=SMS_DUE).update(status=SmsStatus.CANCELLED)
    locked.status = NoticeStatus.WITHDRAWN
    locked.withdrawn_by = staff
    locked.withdrawn_at = now
    locked.withdraw_reason = reason.strip()
    locked.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdraw_reason"])
    note = reason.strip()
    if cancelled:
        note += _("（%(n)s 条短信未发送，已取消）") % {"n": cancelled}
    NoticeEvent.objects.create(notice=locked, kind=EventKind.WITHDRAWN, by=staff, at=now, note=note)
    return locked


# ---------------------------------------------------------------- reading


def resident_units(resident: Resident, today: date | None = None) -> list[int]:
    """The ids of the units the resident lives in or owns now."""
    return list(
        resident.occupancies.filter(Occupancy.current_q(today)).values_list("unit_id", flat=True).distinct()
    )


def notices_for_resident(resident: Resident, today: date | None = None) -> QuerySet[Notice]:
    """The notices on the resident's board: published, valid today, and for one of their units."""
    today = today or timezone.localdate()
    units = Unit.objects.filter(pk__in=resident_units(resident, today)).exclude(kind=UnitKind.PARKING)
    unit_ids = list(units.values_list("pk", flat=True))
    building_ids = list(units.values_list("building_id", flat=True))
    estate_ids = list(units.values_list("building__estate_id", flat=True))
    return (
        Notice.objects.filter(status=NoticeStatus.PUBLISHED, valid_from__lte=today, estate_id__in=estate_ids)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .filter(
            Q(audience=Audience.ESTATE)
            | Q(audience=Audience.BUILDINGS, buildings__in=building_ids)
            | Q(audience=Audience.UNITS, units__in=unit_ids)
        )
        .distinct()
        .order_by("-published_at", "-pk")
    )


def mark_read(
    notice: Notice, resident: Resident, *, via: str = ReadVia.PORTAL, now: datetime | None = None
) -> int:
    """Record that the resident opened the notice: each of their households it reached counts as read.

    The first reading of a household counts; return how many households became read now.
    """
    if not Notice.objects.filter(pk=notice.pk, status=NoticeStatus.PUBLISHED).exists():
        return 0  # a draft or a withdrawn notice is not on anybody's board
    now = now or timezone.now()
    return retry_on_lock(
        lambda: NoticeHousehold.objects.filter(
            notice=notice, unit_id__in=resident_units(resident, timezone.localdate(now)), read_at__isnull=True
        ).update(read_at=now, read_by=resident, read_via=via),
        what="record a notice read",
    )


def is_read_by(notice: Notice, resident: Resident) -> bool:
    """Whether one of the resident's households has read the notice."""
    return NoticeHousehold.objects.filter(
        notice=notice, unit_id__in=resident_units(resident), read_at__isnull=False
    ).exists()


def read_ids(notices: Iterable[Notice], resident: Resident) -> set[int]:
    """The ids of the notices one of the resident's households has read."""
    return set(
        NoticeHousehold.objects.filter(
            notice__in=list(notices), unit_id__in=resident_units(resident), read_at__isnull=False
        ).values_list("notice_id", flat=True)
    )


def open_link(token: str, *, now: datetime | None = None) -> tuple[Notice, NoticeSms]:
    """Open the notice of a text message's signed link, counting the message's household as read."""
    try:
        pk = int(signing.Signer(salt=LINK_SALT).unsign(token))
    except (signing.BadSignature, ValueError) as exc:
        raise PermissionDenied(_("链接无效。")) from exc
    message = (
        NoticeSms.objects.select_related("notice__estate", "household", "resident").filter(pk=pk).first()
    )
    if message is None or message.notice.status != NoticeStatus.PUBLISHED:
        raise PermissionDenied(_("该通知已撤回或不存在。"))
    now = now or timezone.now()
    retry_on_lock(
        lambda: NoticeHousehold.objects.filter(pk=message.household_id, read_at__isnull=True).update(
            read_at=now, read_by=message.resident, read_via=ReadVia.LINK
        ),
        what="record a notice read",
    )
    return message.notice, message


def with_counts(notices: QuerySet[Notice]) -> QuerySet[Notice]:
    """Annotate households reached, read and unread, and messages sent."""
    return notices.annotate(
        reached=Count("households", distinct=True),
        read=Count("households", filter=Q(households__read_at__isnull=False), distinct=True),
        sms_sent=Count("messages", filter=Q(messages__status=SmsStatus.SENT), distinct=True),
    ).annotate(unread=F("reached") - F("read"))


def visible_notices(user: AnyUser) -> QuerySet[Notice]:
    """The notices of the estates the user serves, newest first, with their counts."""
    return with_counts(scope_queryset(Notice.objects.all(), user)).select_related(
        "estate", "created_by", "published_by", "withdrawn_by"
    )


@dataclass
class HouseholdRow:
    """A household not yet read: its unit, its current residents and their numbers (masked), the message."""

    household: NoticeHousehold
    label: str
    residents: list[Resident]
    sms: list[NoticeSms]


def unread_households(notice: Notice) -> list[HouseholdRow]:
    """The households the notice reached that have not read it, to phone; numbers stay with the residents."""
    rows = list(
        NoticeHousehold.objects.filter(notice=notice, read_at__isnull=True).select_related("unit__building")
    )
    today = timezone.localdate()
    occupancies = (
        Occupancy.objects.filter(Occupancy.current_q(today), unit_id__in=[h.unit_id for h in rows])
        .select_related("resident")
        .prefetch_related("resident__phones")
        .order_by("unit_id", "role", "pk")
    )
    people: dict[int, list[Resident]] = {}
    for o in occupancies:
        if o.resident not in people.setdefault(o.unit_id, []):
            people[o.unit_id].append(o.resident)
    messages: dict[int, list[NoticeSms]] = {}
    for m in NoticeSms.objects.filter(household__in=rows).order_by("pk"):
        messages.setdefault(m.household_id, []).append(m)
    return [
        HouseholdRow(h, unit_label(h.unit), people.get(h.unit_id, []), messages.get(h.pk, [])) for h in rows
    ]


# ---------------------------------------------------------------- the residents' opt-out


def set_sms_opt_out(staff: Staff, resident: Resident, opted_out: bool) -> Resident:
    """Record that the resident does (not) want notices by text message; the change is in the resident's history."""
    _refuse_unless(staff, Cap.NOTICE_WRITE, resident.estate_id, _("您不能修改该住户的短信设置。"))
    with transaction.atomic(), acting_as(staff.user):
        locked = Resident.objects.select_for_update().get(pk=resident.pk)
        if locked.notice_sms_opt_out != opted_out:
            locked.notice_sms_opt_out = opted_out
            locked.save(update_fields=["notice_sms_opt_out", "updated_at"])
    return locked


def set_own_sms_opt_out(resident: Resident, opted_out: bool) -> Resident:
    """The resident's own choice, from the portal."""
    with transaction.atomic():
        locked = Resident.objects.select_for_update().get(pk=resident.pk)
        if locked.notice_sms_opt_out != opted_out:
            locked.notice_sms_opt_out = opted_out
            locked.save(update_fields=["notice_sms_opt_out", "updated_at"])
    return locked


# ---------------------------------------------------------------- sending (the worker)


def _due(now: datetime) -> Q:
    return Q(status__in=SMS_DUE, notice__status=NoticeStatus.PUBLISHED) & (
        Q(deliver_after__isnull=True) | Q(deliver_after__lte=now)
    )


def _hold_for_quiet_hours(resume: datetime) -> int:
    """During quiet hours, hold what is waiting until they end; return how many were newly held."""
    retry_on_lock(
        lambda: NoticeSms.objects.filter(status=SmsStatus.RETRYING, deliver_after__lt=resume).update(
            deliver_after=resume
        ),
        what="hold notice retries for quiet hours",
    )
    return retry_on_lock(
        lambda: NoticeSms.objects.filter(
            Q(status=SmsStatus.PENDING) | Q(status=SmsStatus.HELD, deliver_after__lt=resume)
        ).update(status=SmsStatus.HELD, deliver_after=resume),
        what="hold notice messages for quiet hours",
    )


def _claim(pk: int, now: datetime) -> bool:
    claimed = retry_on_lock(
        lambda: NoticeSms.objects.filter(_due(now), pk=pk).update(
            status=SmsStatus.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
            first_try_at=Coalesce(F("first_try_at"), now),
        ),
        what="claim a notice message",
    )
    return claimed == 1


def _after_failure(message: NoticeSms, error: str, now: datetime) -> str:
    from shouwen.notifications.services import retry_wait

    first = message.first_try_at or now
    next_try = now + retry_wait(message.attempts)
    if next_try >= first + timedelta(minutes=settings.SHOUWEN_DELIVERY_RETRY_MINUTES):
        NoticeSms.objects.filter(pk=message.pk).update(status=SmsStatus.FAILED, error=error)
        return SmsStatus.FAILED
    NoticeSms.objects.filter(pk=message.pk).update(
        status=SmsStatus.RETRYING, error=error, deliver_after=next_try, claimed_at=None
    )
    return SmsStatus.RETRYING


def _mark_sent(pk: int, reference: str) -> None:
    retry_on_lock(
        lambda: NoticeSms.objects.filter(pk=pk).update(
            status=SmsStatus.SENT, sent_at=timezone.now(), reference=reference[:100]
        ),
        what="record a notice message",
    )


def deliver_notice_sms(now: datetime | None = None) -> dict[str, int]:
    """Send the notices' text messages whose time has come, at most the minute's rate; return the counts."""
    from shouwen.notifications.services import quiet_hours_end

    now = now or timezone.now()
    counts = {"sms_sent": 0, "sms_held": 0, "sms_retrying": 0, "sms_failed": 0}
    # Messages a dead worker left "sending" may or may not have gone out: failed, never sent twice.
    counts["sms_failed"] += retry_on_lock(
        lambda: NoticeSms.objects.filter(status=SmsStatus.SENDING, claimed_at__lt=now - STALE_SENDING).update(
            status=SmsStatus.FAILED, error="worker stopped while sending"
        ),
        what="fail stale notice messages",
    )
    resume = quiet_hours_end(now)
    if resume is not None:
        counts["sms_held"] = _hold_for_quiet_hours(resume)
        return counts
    if not NoticeSms.objects.filter(_due(now)).exists():
        return counts
    # One run per minute across all workers sends the minute's allowance: the throttle holds however many run.
    if not claim_period(SMS_LEASE, worker_id(), now, period=timedelta(minutes=1)):
        return counts
    rate = settings.SHOUWEN_NOTICE_SMS_PER_MINUTE
    until = time.monotonic() + settings.SHOUWEN_DELIVERY_RUN_SECONDS
    ids = list(NoticeSms.objects.filter(_due(now)).order_by("pk").values_list("pk", flat=True)[:rate])
    for pk in ids:
        if time.monotonic() > until:
            break
        if not _claim(pk, now):
            continue
        message = NoticeSms.objects.select_related("notice__estate").get(pk=pk)
        text = compose_sms(message.notice.estate, message.notice.sms_text, sms_link(message.pk))
        try:
            result = send_sms(message.phone, text)
            if not result.ok:
                raise RuntimeError(result.error or "SMS gateway refused the message")
        except Exception as exc:  # any gateway error: record it and go on with the next one
            outcome = _after_failure(message, f"{type(exc).__name__}: {exc}"[:300], now)
            logger.warning("notice SMS %s to %s failed (%s): %s", pk, message.phone, outcome, exc)
            counts["sms_failed" if outcome == SmsStatus.FAILED else "sms_retrying"] += 1
            continue
        _mark_sent(pk, result.reference)
        counts["sms_sent"] += 1
    return counts


# ---------------------------------------------------------------- the bulletin board


@transaction.atomic
def renew_board(
    staff: Staff,
    estate: Estate,
    *,
    note: str = "",
    notices: Iterable[Notice] = (),
    now: datetime | None = None,
) -> BoardRenewal:
    """Record that the estate's bulletin board was renewed now (by whom, with which notices)."""
    _refuse_unless(staff, Cap.NOTICE_WRITE, estate.pk, _("您不能记录该小区宣传栏的更换。"))
    check_lengths({"note": (note, 200)})
    chosen = list(notices)
    if any(n.estate_id != estate.pk for n in chosen):
        raise ValidationError({"notices": [_("所选通知不属于该小区。")]})
    renewal = BoardRenewal.objects.create(
        estate=estate, renewed_by=staff, renewed_at=now or timezone.now(), note=note.strip()
    )
    renewal.notices.set(chosen)
    return renewal


@dataclass(frozen=True)
class BoardStatus:
    """An estate's board: the last renewal, when the next is due, whether it is late."""

    estate: Estate
    last: BoardRenewal | None
    due: datetime | None
    late: bool


def board_status(user: AnyUser, now: datetime | None = None) -> list[BoardStatus]:
    """The boards of the estates the user serves."""
    now = now or timezone.now()
    rows = []
    for estate in scope_queryset(Estate.objects.all(), user).order_by("code"):
        last = BoardRenewal.objects.filter(estate=estate).select_related("renewed_by").first()
        due = last.renewed_at + timedelta(days=BOARD_RENEWAL_DAYS) if last else None
        rows.append(BoardStatus(estate, last, due, last is None or (due is not None and due <= now)))
    return rows


def supervisors_of(estate: Estate) -> QuerySet[Staff]:
    """The active customer-service supervisors serving the estate."""
    return Staff.objects.filter(estates=estate, is_active=True, roles__role=SUPERVISOR_ROLE).distinct()


def remind_stale_boards(now: datetime | None = None) -> dict[str, int]:
    """Remind the supervisors of each estate whose board was last renewed 14 days ago or more, once per lapse.

    Estates that never recorded a renewal are not reminded (their board is not kept in Shouwen yet).
    """
    from shouwen.notifications.services import notify

    now = now or timezone.now()
    cutoff = now - timedelta(days=BOARD_RENEWAL_DAYS)
    sent = 0
    latest = (
        BoardRenewal.objects.filter(estate=OuterRef("estate")).order_by("-renewed_at", "-pk").values("pk")[:1]
    )
    stale = (
        BoardRenewal.objects.annotate(latest=Subquery(latest))
        .filter(pk=F("latest"), renewed_at__lte=cutoff)
        .select_related("estate")
    )
    for renewal in stale:
        for person in supervisors_of(renewal.estate).exclude(
            pk__in=BoardReminder.objects.filter(renewal=renewal).values("recipient_id")
        ):
            with transaction.atomic():
                _row, created = BoardReminder.objects.get_or_create(
                    renewal=renewal, recipient=person, defaults={"estate": renewal.estate, "sent_at": now}
                )
                if created:
                    days = (now - renewal.renewed_at).days
                    notify(
                        person,
                        title=_("%(estate)s 宣传栏已 %(days)s 天未更换")
                        % {"estate": renewal.estate.name, "days": days},
                        body=_("宣传栏应每两周更换一次；更换后请在系统中记录。"),
                        url=reverse("notices:board"),
                        now=now,
                    )
                    sent += 1
    return {"boards_reminded": sent}


# ---------------------------------------------------------------- helpers of the pages and the API


def visible_estates(user: AnyUser) -> QuerySet[Estate]:
    """The estates the user serves, by code."""
    return scope_queryset(Estate.objects.all(), user).order_by("code")
