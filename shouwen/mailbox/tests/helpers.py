"""Building e-mails as residents' mail programs send them."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

# The smallest valid PNG: what a phone's photo is to the attachment rules.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def build(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str = "",
    html: str = "",
    headers: dict[str, str] | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
    message_id: str | None = None,
) -> EmailMessage:
    """Return an e-mail; ``attachments`` are (file name, bytes, content type)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id or make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    for name, value in (headers or {}).items():
        msg[name] = value
    if body:
        msg.set_content(body)
    if html:
        if body:
            msg.add_alternative(html, subtype="html")
        else:
            msg.set_content(html, subtype="html")
    for filename, data, content_type in attachments:
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def send(port: int, msg: EmailMessage) -> str:
    """Send the e-mail through the SMTP server on loopback; return its Message-ID."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(msg)
    return str(msg["Message-ID"])
