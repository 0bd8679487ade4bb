"""WeChat's own API behind one interface, like ``shouwen.core.sms``: template messages out, media in.

The default backend writes template messages to the ``shouwen.wechat`` log and finds media only in
its own in-process store (filled by development tools and tests); a company plugs in a client of
WeChat's API by naming a class in ``SHOUWEN_WECHAT_BACKEND``. WeChat's servers are the one thing
Shouwen cannot reach from a test machine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from shouwen.wechat.models import WechatAccount

logger = logging.getLogger("shouwen.wechat")


@dataclass(frozen=True)
class PushResult:
    """What WeChat answered to a template message."""

    ok: bool
    reference: str = ""
    error: str = ""


class WechatBackend(Protocol):
    """Anything that sends template messages and fetches a message's media."""

    def send_template(
        self, account: WechatAccount, openid: str, template_id: str, data: dict[str, str], url: str
    ) -> PushResult: ...

    def fetch_media(self, account: WechatAccount, media_id: str, pic_url: str) -> bytes | None: ...


class LogWechatBackend:
    """Write template messages to the log; return media put in ``media`` by its id (else None)."""

    sent: ClassVar[list[dict[str, Any]]] = []  # kept for inspection in development and tests
    media: ClassVar[dict[str, bytes]] = {}

    def send_template(
        self, account: WechatAccount, openid: str, template_id: str, data: dict[str, str], url: str
    ) -> PushResult:
        logger.info("WeChat template to %s via %s: %s", openid, account.app_id, data)
        self.sent.append(
            {"app_id": account.app_id, "openid": openid, "template_id": template_id, "data": data, "url": url}
        )
        return PushResult(ok=True, reference=f"log-{len(self.sent)}")

    def fetch_media(self, account: WechatAccount, media_id: str, pic_url: str) -> bytes | None:
        found = self.media.get(media_id)
        if found is None:
            logger.warning(
                "WeChat media %s of %s is not in the log backend's store", media_id, account.app_id
            )
        return found


def get_backend() -> WechatBackend:
    """Return the configured WeChat backend."""
    return import_string(settings.SHOUWEN_WECHAT_BACKEND)()
