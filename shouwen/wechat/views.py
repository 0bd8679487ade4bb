"""The server URL WeChat calls: GET to verify it, POST to deliver each message (not part of the REST API).

Both check WeChat's signature and the timestamp's freshness first; anything forged or replayed later
is refused with 403 before the body is read. A message is answered within WeChat's five seconds
with the passive reply XML, or "success" when there is nothing to say.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from shouwen.wechat.models import WechatAccount
from shouwen.wechat.protocol import BadRequest, check_signature, parse_message, text_reply
from shouwen.wechat.services import receive_message

logger = logging.getLogger("shouwen.wechat")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def server(request: HttpRequest, app_id: str) -> HttpResponse:
    """Answer WeChat: echo the verification string, or record a message and reply to it."""
    account = (
        WechatAccount.objects.select_related("estate__company").filter(app_id=app_id, active=True).first()
    )
    if account is None:
        raise Http404
    q = request.GET
    if not check_signature(
        account.server_token(),
        q.get("signature", ""),
        q.get("timestamp", ""),
        q.get("nonce", ""),
        window=settings.SHOUWEN_WECHAT_REPLAY_SECONDS,
    ):
        logger.warning("WeChat request to %s refused: bad signature or stale timestamp", app_id)
        return HttpResponseForbidden("invalid signature", content_type="text/plain")
    if request.method == "GET":
        return HttpResponse(q.get("echostr", "")[:200], content_type="text/plain")
    try:
        message = parse_message(request.body)
    except BadRequest as exc:
        logger.warning("WeChat message to %s refused: %s", app_id, exc)
        return HttpResponseBadRequest("bad message", content_type="text/plain")
    if message.encrypted:
        # Safe mode (AES) is not supported: the account must use plaintext or compatible mode.
        logger.error("WeChat account %s sent an encrypted-only message; switch it to plaintext mode", app_id)
        return HttpResponse("success", content_type="text/plain")
    if account.original_id and message.to_user != account.original_id:
        return HttpResponseBadRequest("wrong account", content_type="text/plain")
    reply = receive_message(account, message)
    if not reply:
        return HttpResponse("success", content_type="text/plain")
    return HttpResponse(text_reply(message, reply), content_type="application/xml; charset=utf-8")
