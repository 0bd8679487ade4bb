"""WeChat's documented server protocol in plaintext mode: the signature, the message XML, the reply XML.

The signature is the SHA-1 of the token, timestamp and nonce sorted and joined; WeChat sends it with
every request (the GET that verifies the server URL, and each POST of a message). A request whose
signature does not match, or whose timestamp is outside the replay window, is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape

# The largest message body accepted: a text message holds at most 2,048 characters.
MAX_BODY = 64 * 1024


class BadRequest(Exception):
    """The request is not a well-formed WeChat message."""


def signature(token: str, timestamp: str, nonce: str) -> str:
    """Return WeChat's signature of the request: sha1 of the three values sorted and joined."""
    # SHA-1 is WeChat's choice, not ours: the protocol fixes it.
    joined = "".join(sorted([token, timestamp, nonce])).encode()
    return hashlib.sha1(joined, usedforsecurity=False).hexdigest()  # noqa: S324


def check_signature(
    token: str, sig: str, timestamp: str, nonce: str, *, window: int, now: float | None = None
) -> bool:
    """Return whether the signature is right and the timestamp within ``window`` seconds of now."""
    if not token or not sig or not timestamp.isdigit() or not nonce or len(nonce) > 64:
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > window:
        return False
    return hmac.compare_digest(signature(token, timestamp, nonce), sig.lower())


@dataclass(frozen=True)
class Message:
    """The fields of a message or event that Shouwen uses."""

    to_user: str
    from_user: str
    create_time: int
    msg_type: str
    msg_id: str = ""
    content: str = ""
    pic_url: str = ""
    media_id: str = ""
    event: str = ""
    encrypted: bool = False

    @property
    def sent_at(self) -> datetime:
        """Return when WeChat says the message was sent."""
        return datetime.fromtimestamp(self.create_time, tz=UTC)


def parse_message(body: bytes) -> Message:
    """Read the message XML; refuse bodies too large, with a DTD (entity expansion) or missing fields."""
    if len(body) > MAX_BODY:
        raise BadRequest("body too large")
    upper = body.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise BadRequest("DTDs are not accepted")
    try:
        # Safe here: DTDs (entity expansion, external entities) were refused above, before parsing.
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError as exc:
        raise BadRequest(f"not XML: {exc}") from exc
    if root.tag != "xml":
        raise BadRequest("the root element is not <xml>")

    def text(name: str) -> str:
        node = root.find(name)
        return (node.text or "").strip() if node is not None else ""

    encrypted = root.find("Encrypt") is not None
    to_user, from_user, created, msg_type = (
        text("ToUserName"),
        text("FromUserName"),
        text("CreateTime"),
        text("MsgType"),
    )
    if not encrypted and (not from_user or not created.isdigit() or not msg_type):
        raise BadRequest("FromUserName, CreateTime and MsgType are required")
    return Message(
        to_user=to_user,
        from_user=from_user[:64],
        create_time=int(created) if created.isdigit() else 0,
        msg_type=msg_type.lower(),
        msg_id=text("MsgId"),
        # Content keeps its inner spacing; only the ends are trimmed.
        content=text("Content"),
        pic_url=text("PicUrl"),
        media_id=text("MediaId"),
        event=text("Event").lower(),
        encrypted=encrypted and not msg_type,
    )


def _cdata(value: str) -> str:
    # CDATA cannot hold "]]>"; the text is escaped instead, which WeChat reads alike.
    return escape(value)


def text_reply(message: Message, content: str, *, now: int | None = None) -> str:
    """Return the passive reply XML that answers ``message`` with a text."""
    created = now if now is not None else int(time.time())
    return (
        "<xml>"
        f"<ToUserName>{_cdata(message.from_user)}</ToUserName>"
        f"<FromUserName>{_cdata(message.to_user)}</FromUserName>"
        f"<CreateTime>{created}</CreateTime>"
        "<MsgType>text</MsgType>"
        f"<Content>{_cdata(content)}</Content>"
        "</xml>"
    )
