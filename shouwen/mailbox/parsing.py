"""Reading one received e-mail: its ids, sender, text, attachments, and whether a person wrote it.

Pure functions of the message's bytes (no database), so every rule is tested on its own.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from html import unescape
from html.parser import HTMLParser

from imap_tools import MailMessage as ImapMessage

# Subjects of out-of-office and vacation answers (English, Chinese, a few common mail programs).
AUTO_REPLY_SUBJECTS = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|auto:|out of (the )?office|vacation|on leave|"
    r"abwesenheitsnotiz|réponse automatique|自动回复|自動回覆|自动答复|休假|不在办公室|外出)",
    re.IGNORECASE,
)
BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)
BOUNCE_SUBJECTS = re.compile(
    r"^\s*(undeliver(ed|able)|delivery status notification|returned mail|mail delivery (failed|failure)|"
    r"failure notice|退信|邮件投递失败|系统退信)",
    re.IGNORECASE,
)
# A case number as the replies' subjects carry it: [LJY-20261129-0007].
CASE_TAG = re.compile(r"\[([A-Za-z0-9]{1,10}-\d{8}-\d{4,})\]")
MSGID = re.compile(r"<[^<>\s]+>")
# Stored headers: enough to see where a message came from and why it was (not) registered.
KEPT_HEADERS = (
    "from",
    "to",
    "cc",
    "reply-to",
    "date",
    "subject",
    "message-id",
    "in-reply-to",
    "references",
    "auto-submitted",
    "precedence",
    "x-autoreply",
    "x-autorespond",
    "return-path",
    "content-type",
)


@dataclass
class MailAttachment:
    """One attached file as received (checked later against the case-attachment rules)."""

    name: str
    content_type: str
    payload: bytes


@dataclass
class ParsedMail:
    """What Shouwen reads from a received e-mail."""

    message_id: str
    in_reply_to: str
    references: list[str]
    subject: str
    from_address: str
    from_name: str
    reply_to: str
    to_addresses: list[str]
    date: datetime | None
    text: str
    html_only: bool
    headers: dict[str, str]
    attachments: list[MailAttachment] = field(default_factory=list)
    automatic: str = ""  # "auto_reply" or "bounce" when no person wrote it
    reason: str = ""  # which header or subject told

    @property
    def thread_ids(self) -> list[str]:
        """Return the Message-IDs this message answers, the nearest first."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        return ids + [i for i in reversed(self.references) if i not in ids]

    def case_tag(self) -> str:
        """Return the case number tagged in the subject, or ''."""
        found = CASE_TAG.search(self.subject)
        return found.group(1) if found else ""


class _TextOfHtml(HTMLParser):
    """Collect the visible text of an HTML body: no script, style or head; blocks on their own lines."""

    SKIP = frozenset({"script", "style", "head", "title", "noscript", "template"})
    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr", "pre"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Return the readable text of an HTML body (never markup: the result is shown as plain text)."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    text = unescape("".join(parser.parts)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _ids(value: str) -> list[str]:
    return MSGID.findall(value or "")


def _header(msg: ImapMessage, name: str) -> str:
    values = msg.headers.get(name, ())
    return " ".join(v.strip() for v in values) if values else ""


def automatic_kind(msg: ImapMessage, subject: str, from_address: str) -> tuple[str, str]:
    """Return ("auto_reply" | "bounce" | "", the reason) for a message no person wrote (RFC 3834, 3464)."""
    content_type = msg.obj.get_content_type()
    report_type = (msg.obj.get_param("report-type") or "") if content_type == "multipart/report" else ""
    if content_type == "multipart/report" and str(report_type).lower() in ("delivery-status", ""):
        return "bounce", "Content-Type: multipart/report"
    if BOUNCE_SENDERS.match(from_address):
        return "bounce", f"From: {from_address}"
    if _header(msg, "return-path").strip() == "<>" and BOUNCE_SUBJECTS.match(subject):
        return "bounce", "Return-Path: <>"
    if BOUNCE_SUBJECTS.match(subject) and not from_address:
        return "bounce", f"Subject: {subject[:80]}"
    auto_submitted = _header(msg, "auto-submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_reply", f"Auto-Submitted: {auto_submitted[:40]}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponse"):
        if _header(msg, name):
            return "auto_reply", f"{name}: {_header(msg, name)[:40]}"
    precedence = _header(msg, "precedence").lower()
    if precedence in ("bulk", "auto_reply", "junk", "list"):
        return "auto_reply", f"Precedence: {precedence}"
    if _header(msg, "x-auto-response-suppress") and AUTO_REPLY_SUBJECTS.match(subject):
        return "auto_reply", f"Subject: {subject[:80]}"
    if AUTO_REPLY_SUBJECTS.match(subject):
        return "auto_reply", f"Subject: {subject[:80]}"
    if content_type == "multipart/report":
        return "bounce", "Content-Type: multipart/report"
    return "", ""


def synthetic_id(raw: bytes) -> str:
    """Return a stable Message-ID for a message that has none (the same bytes, the same id)."""
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.shouwen>"


def parse(raw: bytes) -> ParsedMail:
    """Read a received message from its bytes."""
    msg = ImapMessage.from_bytes(raw)
    subject = (msg.subject or "").replace("\r", " ").replace("\n", " ").strip()
    sender = msg.from_values
    from_name = sender.name if sender else ""
    from_address = (sender.email if sender else parseaddr(_header(msg, "from"))[1]).strip().lower()
    reply_to = msg.reply_to_values[0].email if msg.reply_to_values else ""
    ids = _ids(_header(msg, "message-id"))
    text = (msg.text or "").strip()
    html_only = False
    if not text and msg.html:
        text, html_only = html_to_text(msg.html), True
    attachments = [
        MailAttachment(name=a.filename or "", content_type=a.content_type or "", payload=a.payload or b"")
        for a in msg.attachments
        if a.payload
    ]
    automatic, reason = automatic_kind(msg, subject, from_address)
    try:
        date = msg.date if msg.date and msg.date.year > 1900 and msg.date.tzinfo else None
    except (TypeError, ValueError):
        date = None
    return ParsedMail(
        message_id=ids[0] if ids else synthetic_id(raw),
        in_reply_to=(_ids(_header(msg, "in-reply-to")) or [""])[0],
        references=_ids(_header(msg, "references")),
        subject=subject,
        from_address=from_address,
        from_name=(from_name or "").strip()[:100],
        reply_to=reply_to.strip().lower(),
        to_addresses=[a.email.lower() for a in (*msg.to_values, *msg.cc_values) if a.email],
        date=date,
        text=text,
        html_only=html_only,
        headers={name: _header(msg, name)[:2000] for name in KEPT_HEADERS if _header(msg, name)},
        attachments=attachments,
        automatic=automatic,
        reason=reason,
    )
