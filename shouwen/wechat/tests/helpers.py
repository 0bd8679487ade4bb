"""Posting to the server URL exactly as WeChat's servers do: signed query string, XML body."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.test import Client

from shouwen.core.testing import World
from shouwen.wechat.backends import LogWechatBackend
from shouwen.wechat.models import WechatAccount

TOKEN = "ShouwenLjy2026"
APP_ID = "wx0123456789abcdef"
ORIGINAL_ID = "gh_3f2a1b0c9d8e"
OPENID = "oT7Zs5Xq9kLmNpQrStUvWxYz1234"

# A tiny but real JPEG header followed by data: the attachment check reads the first bytes.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def make_account(world: World, **fields: Any) -> WechatAccount:
    """Configure the estate's official account as the admin does."""
    data = {
        "estate": world.estate,
        "name": "丽景园物业服务中心",
        "app_id": APP_ID,
        "original_id": ORIGINAL_ID,
        "token": TOKEN,
        "template_id": "TM00015-progress",
        **fields,
    }
    return WechatAccount.objects.create(**data)


def sign(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's signature, written out here independently of the code under test."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode("utf-8")).hexdigest()


def query(
    token: str = TOKEN, *, timestamp: int | None = None, nonce: str = "1405897312", **extra: str
) -> str:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    params = {"signature": sign(token, ts, nonce), "timestamp": ts, "nonce": nonce, **extra}
    return "&".join(f"{k}={v}" for k, v in params.items())


def text_xml(content: str, msg_id: str, *, openid: str = OPENID, created: int | None = None) -> str:
    created = created if created is not None else int(time.time())
    return (
        "<xml>"
        f"<ToUserName><![CDATA[{ORIGINAL_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId>"
        "</xml>"
    )


def image_xml(media_id: str, msg_id: str, *, openid: str = OPENID) -> str:
    return (
        "<xml>"
        f"<ToUserName><![CDATA[{ORIGINAL_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        "<MsgType><![CDATA[image]]></MsgType>"
        f"<PicUrl><![CDATA[http://mmbiz.qpic.cn/mmbiz_jpg/{media_id}/0]]></PicUrl>"
        f"<MediaId><![CDATA[{media_id}]]></MediaId>"
        f"<MsgId>{msg_id}</MsgId>"
        "</xml>"
    )


def event_xml(event: str, *, openid: str = OPENID, created: int | None = None) -> str:
    created = created if created is not None else int(time.time())
    return (
        "<xml>"
        f"<ToUserName><![CDATA[{ORIGINAL_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>"
        "</xml>"
    )


def post(client: Client, xml: str, q: str | None = None, app_id: str = APP_ID) -> Any:
    """POST the XML as WeChat does (Content-Type text/xml, the signature in the query string)."""
    return client.post(
        f"/wechat/in/{app_id}/?{q or query()}&openid={OPENID}",
        data=xml.encode("utf-8"),
        content_type="text/xml",
    )


def reply_text(response: Any) -> str:
    """Return the Content of a passive reply XML."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(response.content)
    assert root.findtext("MsgType") == "text"
    return root.findtext("Content") or ""


def reset_backend() -> None:
    LogWechatBackend.sent.clear()
    LogWechatBackend.media.clear()
