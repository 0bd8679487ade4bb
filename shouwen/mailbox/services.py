"""Every rule of e-mail in and out.

In: :func:`poll_all_once` (run by the worker, once per period across all workers) reads each active
estate mailbox's unseen messages over IMAP; :func:`receive` registers a message as a contact on the
e-mail channel (a new case, or a further contact on the case its thread or subject tag names),
or keeps it unregistered when no person wrote it (auto-replies, bounces, our own mail). A message is
flagged seen on the server only after its row is committed, and its Message-ID row makes a second
poll register nothing twice.

Out: :func:`reply_by_email` sends a message to the resident from the case by SMTP (Django's e-mail
backend) with Message-ID, In-Reply-To and References, so the resident's answer joins the case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, make_msgid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from imap_tools import AND, BaseMailBox, MailBox, MailBoxTls, MailBoxUnencrypted, MailMessageFlags

from shouwen.access.masking import mask_email
from shouwen.cases import transitions
from shouwen.cases.attachments import _original_name, add_attachment, sniff_attachment_type
from shouwen.cases.intake import (
    EMERGENCY_WORDS,
    URGENT_WORDS,
    record_visit,
    register_contact,
)
from shouwen.cases.lib import Kind, _required
from shouwen.cases.lib import lock_case as _lock
from shouwen.cases.lib import record_event as _event
from shouwen.cases.lib import save_case as _save
from shouwen.cases.models import Case, CaseNote, Category, Channel, Contact
from shouwen.core.textlimits import LONG_TEXT_MAX, check_long, field_max
from shouwen.directory.models import Estate, Resident, Staff, Unit
from shouwen.mailbox.models import Direction, Mailbox, MailMessage, MailStatus
from shouwen.mailbox.parsing import MailAttachment, ParsedMail, parse

logger = logging.getLogger("shouwen.mailbox")

# Messages read from one mailbox per poll: a flood is worked through over several periods.
BATCH = 50
# The same reply by the same person within this time is a double click or a retry: not sent again.
REPEAT_WITHIN = timedelta(minutes=2)
REPAIR_WORDS = ("维修", "报修", "坏了", "损坏", "修理", "不亮", "漏", *URGENT_WORDS, *EMERGENCY_WORDS)


# ---------------------------------------------------------------- in


def connect(mailbox: Mailbox) -> BaseMailBox:
    """Return an IMAP connection to the mailbox, logged in and in its folder."""
    timeout = settings.SHOUWEN_MAIL_TIMEOUT
    client: BaseMailBox
    if mailbox.security == "ssl":
        client = MailBox(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    elif mailbox.security == "starttls":
        client = MailBoxTls(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    else:
        client = MailBoxUnencrypted(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    return client.login(mailbox.username, mailbox.imap_password(), initial_folder=mailbox.folder or "INBOX")


def poll_mailbox(mailbox: Mailbox, *, limit: int = BATCH) -> dict[str, int]:
    """Register the mailbox's unseen messages; flag each seen once its row is committed.

    A message that cannot be registered (a bug, the database gone) stays unseen and is tried again
    at the next poll; the others go on.
    """
    counts = {status.value: 0 for status in MailStatus if status != MailStatus.SENT}
    counts.update(already=0, failed=0)
    with connect(mailbox) as client:
        for message in client.fetch(AND(seen=False), mark_seen=False, limit=limit, bulk=True):
            raw = message.obj.as_bytes()
            try:
                row, created = receive(mailbox, raw)
            except Exception:
                logger.exception("could not register e-mail uid %s of %s", message.uid, mailbox.address)
                counts["failed"] += 1
                continue
            counts[row.status if created else "already"] += 1
            if message.uid:
                client.flag(message.uid, MailMessageFlags.SEEN, True)
    return counts


def poll_all(now: datetime | None = None) -> dict[str, int]:
    """Poll every active mailbox; a mailbox that cannot be read is noted on it and the rest go on."""
    totals: dict[str, int] = {"mailboxes": 0, "mailboxes_failed": 0}
    for mailbox in Mailbox.objects.filter(active=True).select_related("estate", "registrar"):
        totals["mailboxes"] += 1
        error = ""
        try:
            for key, value in poll_mailbox(mailbox).items():
                totals[key] = totals.get(key, 0) + value
        except Exception as exc:  # the server down, a wrong password: noted on the mailbox, the rest go on
            logger.warning("could not read the mailbox %s: %s", mailbox.address, exc)
            totals["mailboxes_failed"] += 1
            error = f"{timezone.localtime():%Y-%m-%d %H:%M} {type(exc).__name__}: {exc}"[:1000]
        Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error=error)
    return totals


def poll_all_once(now: datetime | None = None) -> dict[str, int]:
    """Poll every active mailbox, once per period across all workers (the period's lease)."""
    from shouwen.notifications.periodic import MAIL_POLL, run_periodic

    return run_periodic(MAIL_POLL, now)


def receive(mailbox: Mailbox, raw: bytes) -> tuple[MailMessage, bool]:
    """Keep one received message and register it unless no person wrote it; (row, whether new).

    The same message again (polled twice, or by two workers at once) returns the first row.
    """
    parsed = parse(raw)
    existing = _stored(mailbox, parsed.message_id)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return _receive(mailbox, parsed), True
    except IntegrityError:
        existing = _stored(mailbox, parsed.message_id)
        if existing is None:
            raise
        return existing, False


def _stored(mailbox: Mailbox, message_id: str) -> MailMessage | None:
    return MailMessage.objects.filter(mailbox=mailbox, direction=Direction.IN, message_id=message_id).first()


def _row(mailbox: Mailbox, parsed: ParsedMail, status: str, **fields: Any) -> MailMessage:
    return MailMessage.objects.create(
        mailbox=mailbox,
        direction=Direction.IN,
        status=status,
        message_id=parsed.message_id[:255],
        in_reply_to=parsed.in_reply_to[:255],
        references=" ".join(parsed.references),
        subject=parsed.subject[:255],
        from_address=parsed.from_address[:254],
        from_name=parsed.from_name[:100],
        reply_to=parsed.reply_to[:254],
        to_addresses=", ".join(parsed.to_addresses),
        sent_at=parsed.date,
        text=parsed.text[:LONG_TEXT_MAX],
        html_only=parsed.html_only,
        headers=parsed.headers,
        **fields,
    )


def _receive(mailbox: Mailbox, parsed: ParsedMail) -> MailMessage:
    if parsed.from_address and parsed.from_address == mailbox.address.lower():
        logger.info("e-mail %s from the mailbox itself, not registered", parsed.message_id)
        return _row(mailbox, parsed, MailStatus.OWN, reason="From: " + parsed.from_address)
    if parsed.automatic:
        logger.info("e-mail %s not registered (%s: %s)", parsed.message_id, parsed.automatic, parsed.reason)
        return _row(mailbox, parsed, parsed.automatic, reason=parsed.reason[:200])
    staff = registrar_for(mailbox)
    accepted, refused = check_attachments(parsed.attachments)
    case = thread_case(mailbox, parsed)
    content = contact_text(parsed, refused, earlier=case if case is not None and not case.is_active else None)
    if case is not None and case.is_active:
        contact = record_visit(staff, case, channel=Channel.EMAIL, content=content)
        status = MailStatus.JOINED
    else:
        resident, unit = match_resident(mailbox.estate, parsed.from_address)
        contact = register_contact(
            staff,
            estate=mailbox.estate,
            channel=Channel.EMAIL,
            category=guess_category(content, unit),
            content=content,
            caller_name=caller_name(parsed, resident),
            resident=resident,
            unit=unit,
            received_at=received_at(parsed.date),
        )
        status = MailStatus.REGISTERED
    case = contact.case
    assert case is not None  # an e-mail is never answered on the spot
    saved = []
    for attachment in accepted:
        upload = SimpleUploadedFile(
            attachment.name or "attachment", attachment.payload, attachment.content_type
        )
        stored = add_attachment(staff, case, upload=upload)
        saved.append(
            {"name": stored.original_name, "size": stored.size, "attachment": stored.pk, "saved": True}
        )
    return _row(
        mailbox,
        parsed,
        status,
        case=case,
        contact=contact,
        attachments=saved + [{**r, "saved": False} for r in refused],
    )


def registrar_for(mailbox: Mailbox, at: datetime | None = None) -> Staff:
    """Return who registers the mailbox's messages: the registrar's department's person on duty, else the registrar."""
    from shouwen.access.permissions import can
    from shouwen.access.roles import Cap
    from shouwen.duty.roster import on_duty

    registrar = mailbox.registrar
    if registrar.department_id is not None:
        for entry in on_duty(mailbox.estate, at, registrar.department):
            person = entry.staff
            if person.is_active and can(person.user, Cap.CASE_REGISTER):
                return person
    return registrar


def check_attachments(attachments: list[MailAttachment]) -> tuple[list[MailAttachment], list[dict[str, Any]]]:
    """Split the attached files into those a case accepts (photos, PDF, within the size) and the refused."""
    max_bytes = settings.SHOUWEN_ATTACHMENT_MAX_MB * 1024 * 1024
    accepted, refused = [], []
    for attachment in attachments:
        name = _original_name(attachment.name)
        if len(attachment.payload) > max_bytes:
            reason = _("文件不能超过 %(mb)s MB") % {"mb": settings.SHOUWEN_ATTACHMENT_MAX_MB}
        elif sniff_attachment_type(attachment.payload[:16]) is None:
            reason = _("只能上传图片（JPG、PNG、WebP、GIF）或 PDF 文件")
        else:
            accepted.append(attachment)
            continue
        refused.append({"name": name, "size": len(attachment.payload), "reason": reason})
    return accepted, refused


def thread_case(mailbox: Mailbox, parsed: ParsedMail) -> Case | None:
    """Return the case the message answers: by In-Reply-To/References, else by the subject's case tag.

    The subject's tag alone is trusted only from an address the case already knows (its resident's,
    or one that wrote or was written to on it): a stranger naming a number opens a case of their own.
    """
    ids = parsed.thread_ids
    if ids:
        known = {
            m.message_id: m
            for m in MailMessage.objects.filter(
                mailbox=mailbox, message_id__in=ids, case__isnull=False
            ).select_related("case")
        }
        for message_id in ids:
            if message_id in known:
                return known[message_id].case
    number = parsed.case_tag()
    if not number or not parsed.from_address:
        return None
    case = Case.objects.filter(estate=mailbox.estate, number=number).select_related("resident").first()
    if case is None:
        return None
    address = parsed.from_address
    if case.resident is not None and case.resident.email.lower() == address:
        return case
    if (
        case.mail_messages.filter(from_address=address).exists()
        or case.mail_messages.filter(direction=Direction.OUT, to_addresses=address).exists()
    ):
        return case
    return None


def match_resident(estate: Estate, address: str) -> tuple[Resident | None, Unit | None]:
    """Return the estate's one resident with this e-mail address and their one current unit, if so."""
    if not address:
        return None, None
    found = list(Resident.objects.filter(estate=estate, email__iexact=address)[:2])
    if len(found) != 1:
        return None, None
    resident = found[0]
    units = [o.unit for o in resident.current_occupancies()[:2]]
    return resident, units[0] if len(units) == 1 else None


def caller_name(parsed: ParsedMail, resident: Resident | None) -> str:
    """Return the caller as the contact shows them: the resident's name, else the sender's name."""
    longest = field_max(Contact, "caller_name")
    if resident is not None:
        return resident.name[:longest]
    # The address itself is kept with the message and shown masked like a phone number.
    return (parsed.from_name or mask_email(parsed.from_address))[:longest]


def guess_category(text: str, unit: Unit | None) -> str:
    """Propose the contact's category from its words (staff correct it on the case page if need be)."""
    if "投诉" in text:
        return Category.COMPLAINT
    if any(w in text for w in REPAIR_WORDS):
        return Category.HOUSEHOLD_REPAIR if unit is not None else Category.PUBLIC_REPAIR
    return Category.CONSULTATION


def received_at(date: datetime | None) -> datetime | None:
    """Return the message's date as its reception time when plausible, else None (now)."""
    if date is None:
        return None
    now = timezone.now()
    earliest = now - timedelta(days=settings.SHOUWEN_CONTACT_BACKDATE_DAYS) + timedelta(hours=1)
    return date if earliest <= date <= now else None


def contact_text(parsed: ParsedMail, refused: list[dict[str, Any]], earlier: Case | None = None) -> str:
    """Return what the contact records: the subject, the text, files not kept (cut to the longest text)."""
    parts = []
    if earlier is not None:
        parts.append(_("（回复已结束的事项 %(number)s）") % {"number": earlier.number})
    if parsed.subject:
        parts.append(_("邮件主题：%(subject)s") % {"subject": parsed.subject})
    body = parsed.text or _("（邮件没有正文）")
    parts.append(body)
    for r in refused:
        parts.append(_("附件“%(name)s”未保存：%(reason)s") % r)
    text = "\n".join(parts)
    return text if len(text) <= LONG_TEXT_MAX else text[: LONG_TEXT_MAX - 1] + "…"


# ---------------------------------------------------------------- out


@dataclass(frozen=True)
class ReplyTarget:
    """Where a reply from a case goes: the estate's mailbox, the address, the message it answers."""

    mailbox: Mailbox
    address: str
    parent: MailMessage | None


def reply_target(case: Case) -> ReplyTarget | None:
    """Return where an e-mail reply from the case would go, or None (no mailbox, or no address)."""
    mailbox = Mailbox.objects.filter(estate_id=case.estate_id, active=True).first()
    if mailbox is None:
        return None
    parent = (
        MailMessage.objects.filter(
            case=case, direction=Direction.IN, status__in=(MailStatus.REGISTERED, MailStatus.JOINED)
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if parent is not None:
        return ReplyTarget(mailbox, parent.reply_to or parent.from_address, parent)
    resident = case.resident
    if resident is not None and resident.email:
        return ReplyTarget(mailbox, resident.email.lower(), None)
    return None


def has_email(case: Case) -> bool:
    """Return whether a reply by e-mail is possible from the case."""
    return reply_target(case) is not None


def reply_subject(case: Case, parent: MailMessage | None) -> str:
    """Return the reply's subject: Re: the resident's subject, with the case number tagged."""
    tag = f"[{case.number}]"
    if parent is None or not parent.subject:
        return f"{tag} {case.summary[:60]}"
    subject = parent.subject
    if not subject.lower().startswith(("re:", "回复:", "回复：")):
        subject = f"Re: {subject}"
    return subject if tag in subject else f"{subject} {tag}"


@transaction.atomic
def reply_by_email(staff: Staff, case: Case, *, text: str) -> CaseNote:
    """Send a message to the resident by e-mail from the case; it is recorded as a message to the resident.

    Recorded only if the mail server took it: a refusal rolls everything back and says so.
    """
    check_long(text=text)
    case = _lock(case)
    transitions.check("reply_by_email", staff, case)
    text = _required(text, _("请填写答复内容。"))
    target = reply_target(case)
    if target is None:
        raise ValidationError(_("该事项没有住户的电子邮件地址，或本小区未设置邮箱，无法发送邮件。"))
    # A second click or a retried request sends nothing twice (the case's row lock orders them).
    if CaseNote.objects.filter(
        case=case,
        kind=CaseNote.Kind.TO_RESIDENT,
        author=staff,
        text=text,
        at__gte=timezone.now() - REPEAT_WITHIN,
        mail_messages__isnull=False,
    ).exists():
        raise ValidationError(_("相同内容的邮件刚刚已发给住户，没有重复发送。"))
    mailbox, parent = target.mailbox, target.parent
    domain = mailbox.address.rsplit("@", 1)[-1]
    message_id = make_msgid(domain=domain)
    references = (parent.references.split() + [parent.message_id]) if parent is not None else []
    headers = {"Message-ID": message_id}
    if parent is not None:
        headers["In-Reply-To"] = parent.message_id
        headers["References"] = " ".join(references[-20:])
    subject = reply_subject(case, parent)
    email = EmailMessage(
        subject=subject,
        body=text,
        from_email=formataddr((str(mailbox.estate.name), mailbox.address)),
        to=[target.address],
        headers=headers,
    )
    note = CaseNote.objects.create(case=case, kind=CaseNote.Kind.TO_RESIDENT, author=staff, text=text)
    MailMessage.objects.create(
        mailbox=mailbox,
        direction=Direction.OUT,
        status=MailStatus.SENT,
        message_id=message_id,
        in_reply_to=parent.message_id if parent is not None else "",
        references=" ".join(references[-20:]),
        subject=subject[:255],
        from_address=mailbox.address,
        to_addresses=target.address,
        sent_at=timezone.now(),
        text=text,
        headers={k.lower(): v for k, v in headers.items()},
        case=case,
        note=note,
        author=staff,
    )
    _event(case, staff, Kind.MESSAGE, text, note=note.pk, channel=Channel.EMAIL, to=target.address)
    _save(case)
    try:
        email.send()
    except Exception as exc:  # the mail server refused or cannot be reached: nothing is recorded
        logger.warning("reply from %s not sent: %s", case.number, exc)
        raise ValidationError(
            _("邮件未能发出（%(error)s），答复没有保存，请稍后重试。") % {"error": type(exc).__name__}
        ) from exc
    return note


def messages_of(case: Case) -> list[MailMessage]:
    """Return the e-mails received and sent on the case, oldest first."""
    return list(case.mail_messages.select_related("author").order_by("created_at", "pk"))
