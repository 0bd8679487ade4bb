"""Every rule of the official-account entry: a follower's message becomes a contact, once, with a reply.

- A text message opens a case through the intake services on channel 微信公众号, registered by the
  estate's desk on duty (the same rule as the portal's reports), who becomes the first-contact
  responsible person.
- A follow-up from the same follower within ``SHOUWEN_WECHAT_FOLLOWUP_MINUTES`` of their last message
  that opened or joined a case still open joins that case as another contact (added information),
  not a new case: residents send a description, then a photo, then "it is the kitchen".
- An image is fetched through the backend, checked like any case attachment and attached; a picture
  that cannot be fetched or is no picture is still recorded with its address, and the reply says so.
- WeChat's retries (the same MsgId, up to three times within 15 seconds) get the stored reply and
  register nothing again; concurrent retries are settled by the unique key.
- The reply names the case number; an unbound follower gets the link to bind (``binding``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwen.cases.models import ACTIVE_STATUSES, Case, Category, Channel
from shouwen.core.i18n import stored
from shouwen.directory.models import Estate, Staff
from shouwen.notifications.services import notify
from shouwen.wechat.backends import get_backend
from shouwen.wechat.models import Follower, InboundMessage, MessageType, WechatAccount
from shouwen.wechat.protocol import Message

logger = logging.getLogger("shouwen.wechat")

COMPLAINT_WORDS = ("投诉", "态度", "不满", "举报", "太差", "扰民")
REPAIR_WORDS = ("坏", "修", "漏", "渗", "堵", "不亮", "停电", "停水", "没电", "没水", "跳闸", "电梯", "裂")


def followup_window() -> timedelta:
    """Return how long after a follower's message another one joins the same open case."""
    return timedelta(minutes=settings.SHOUWEN_WECHAT_FOLLOWUP_MINUTES)


def desk_on_duty(estate: Estate) -> Staff | None:
    """Return who registers the estate's WeChat messages now: the desk on duty, as for portal reports.

    The rule is the portal's (``shouwen.portal.services.desk_owner``): the customer-service person
    rostered now, else the department's head, else its front-desk clerks. None when there is nobody.
    """
    from shouwen.portal.services import desk_owner

    try:
        return desk_owner(estate)
    except ValidationError:
        return None


def classify_message(text: str, *, has_unit: bool) -> str:
    """Propose the category of a follower's text; the desk corrects the registration when it is wrong."""
    if any(w in text for w in COMPLAINT_WORDS):
        return Category.COMPLAINT
    if any(w in text for w in REPAIR_WORDS):
        return Category.HOUSEHOLD_REPAIR if has_unit else Category.PUBLIC_REPAIR
    return Category.CONSULTATION


def message_key(message: Message) -> str:
    """Return the key WeChat's retries of one message share (MsgId, or openid and time for events)."""
    if message.msg_id:
        return message.msg_id[:80]
    return f"{message.from_user}:{message.create_time}:{message.event or message.msg_type}"[:80]


def receive_message(account: WechatAccount, message: Message) -> str:
    """Record a message WeChat delivered and act on it once; return the reply text ("" for none)."""
    key = message_key(message)
    stored = stored_reply(account, key)
    if stored is not None:
        return stored
    try:
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            return _receive(account, message, key)
    except IntegrityError:
        # A retry that came while the first delivery was being handled: the first one answers.
        stored = stored_reply(account, key)
        if stored is None:
            raise
        return stored


def stored_reply(account: WechatAccount, key: str) -> str | None:
    """Return the reply already given to the message with this key, None when it is new."""
    return InboundMessage.objects.filter(account=account, key=key).values_list("reply", flat=True).first()


def _follower(account: WechatAccount, openid: str, now: datetime) -> Follower:
    follower, created = Follower.objects.get_or_create(
        account=account, openid=openid, defaults={"first_seen_at": now, "subscribed_at": now}
    )
    return follower


def _receive(account: WechatAccount, message: Message, key: str) -> str:
    now = timezone.now()
    follower = _follower(account, message.from_user, now)
    kind = message.msg_type if message.msg_type in MessageType.values else MessageType.OTHER
    record = InboundMessage.objects.create(
        account=account,
        follower=follower,
        key=key,
        msg_type=kind,
        raw_type=message.msg_type[:20],
        event=message.event[:32],
        content=message.content,
        pic_url=message.pic_url[:500],
        media_id=message.media_id[:128],
        sent_at=message.sent_at,
        received_at=now,
    )
    if kind == MessageType.EVENT:
        reply = _on_event(account, follower, message, now)
    else:
        follower.last_message_at = now
        follower.save(update_fields=["last_message_at"])
        if kind == MessageType.TEXT:
            reply = _on_text(account, follower, record)
        elif kind == MessageType.IMAGE:
            reply = _on_image(account, follower, record)
        else:
            reply = _("目前只能接收文字和图片消息，请用文字描述您的问题，或致电 %(phone)s。") % {
                "phone": account.estate.company.service_phone
            }
    record.reply = reply
    record.save(update_fields=["reply", "contact", "case", "attachment"])
    return reply


def _on_event(account: WechatAccount, follower: Follower, message: Message, now: datetime) -> str:
    from shouwen.wechat.binding import bind_hint

    if message.event == "subscribe":
        follower.subscribed, follower.subscribed_at = True, now
        follower.save(update_fields=["subscribed", "subscribed_at"])
        text = _("欢迎关注%(name)s。直接发送文字或图片即可报修、投诉或咨询，我们会回复事项编号。") % {
            "name": account.name
        }
        return _join(text, bind_hint(follower))
    if message.event == "unsubscribe":
        follower.subscribed, follower.unsubscribed_at = False, now
        follower.save(update_fields=["subscribed", "unsubscribed_at"])
    return ""


def _join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def open_case_of(follower: Follower, now: datetime | None = None) -> Case | None:
    """Return the follower's case a new message joins: opened or joined within the window and still open."""
    now = now or timezone.now()
    last = (
        InboundMessage.objects.filter(
            follower=follower, case__isnull=False, received_at__gte=now - followup_window()
        )
        .select_related("case")
        .order_by("-received_at", "-pk")
        .first()
    )
    if last is None or last.case is None or last.case.status not in ACTIVE_STATUSES:
        return None
    return last.case


def _unavailable(account: WechatAccount) -> str:
    logger.warning("no desk staff can register WeChat messages of estate %s", account.estate.code)
    return _("抱歉，暂时无法登记您的消息，请致电 %(phone)s。") % {
        "phone": account.estate.company.service_phone
    }


def _register(
    desk: Staff, account: WechatAccount, follower: Follower, record: InboundMessage, content: str
) -> Case:
    """Register the message as a new contact opening a case; the desk on duty is its first contact."""
    from shouwen.cases import services as case_services

    resident = follower.resident
    unit, phone = None, ""
    if resident is not None:
        units = [
            o.unit for o in resident.current_occupancies() if o.unit.building.estate_id == account.estate_id
        ]
        unit = units[0] if len(units) == 1 else None
        phone = next(iter(resident.phones.values_list("number", flat=True)), "")
    contact = case_services.save_contact(
        case_services.prepare_contact(
            desk,
            estate=account.estate,
            channel=Channel.WECHAT,
            category=classify_message(content, has_unit=unit is not None),
            content=content,
            caller_name=resident.name if resident is not None else _("微信用户"),
            caller_phone=phone,
            resident=resident,
            unit=unit,
            received_at=min(record.sent_at, timezone.now()),
        )
    )
    assert contact.case is not None
    record.contact, record.case = contact, contact.case
    # Nobody at the desk typed it in: the new holder is told at once.
    notify(
        desk,
        title=stored(
            gettext_noop("微信公众号报事 %(number)s：%(summary)s"),
            number=contact.case.number,
            summary=contact.case.summary,
        ),
        body=content,
        case=contact.case,
    )
    return contact.case


def _join_case(desk: Staff, case: Case, record: InboundMessage, content: str) -> None:
    """Add the message to the follower's open case as another contact and tell its holder."""
    from shouwen.cases import services as case_services

    record.contact = case_services.record_visit(desk, case, channel=Channel.WECHAT, content=content)
    record.case = case
    if case.accountable is not None:
        notify(
            case.accountable,
            title=stored(gettext_noop("住户通过微信公众号补充了 %(number)s 的信息"), number=case.number),
            body=content,
            case=case,
        )


def _on_text(account: WechatAccount, follower: Follower, record: InboundMessage) -> str:
    from shouwen.wechat.binding import bind_hint

    if not record.content.strip():
        return _("请用文字描述您的问题。")
    desk = desk_on_duty(account.estate)
    if desk is None:
        return _unavailable(account)
    case = open_case_of(follower, record.received_at)
    try:
        with transaction.atomic():
            if case is not None:
                _join_case(desk, case, record, record.content)
                return _("已收到补充信息，已记入事项 %(number)s。") % {"number": case.number}
            case = _register(desk, account, follower, record, record.content)
    except (ValidationError, PermissionDenied) as exc:
        logger.warning("WeChat message %s of %s not registered: %s", record.key, account.app_id, exc)
        record.contact = record.case = None
        return _("抱歉，您的消息未能登记，请缩短后重新发送，或致电 %(phone)s。") % {
            "phone": account.estate.company.service_phone
        }
    return _join(_registered_text(case), bind_hint(follower))


def _registered_text(case: Case) -> str:
    return _(
        "您反映的问题已登记，事项编号：%(number)s。客服中心会尽快处理；%(minutes)s 分钟内可直接回复补充说明或照片。"
    ) % {"number": case.number, "minutes": settings.SHOUWEN_WECHAT_FOLLOWUP_MINUTES}


def _on_image(account: WechatAccount, follower: Follower, record: InboundMessage) -> str:
    from shouwen.wechat.binding import bind_hint

    desk = desk_on_duty(account.estate)
    if desk is None:
        return _unavailable(account)
    case = open_case_of(follower, record.received_at)
    joined = case is not None
    try:
        with transaction.atomic():
            if case is None:
                case = _register(desk, account, follower, record, _("（住户通过微信公众号发来图片）"))
            else:
                _join_case(desk, case, record, _("（住户通过微信公众号补充了图片）"))
    except (ValidationError, PermissionDenied) as exc:
        logger.warning("WeChat image %s of %s not registered: %s", record.key, account.app_id, exc)
        record.contact = record.case = None
        return _unavailable(account)
    saved = _attach(desk, account, case, record)
    if joined:
        text = _("已收到图片，已记入事项 %(number)s。") % {"number": case.number}
    else:
        text = _registered_text(case)
    if not saved:
        text = _join(text, _("图片未能保存，请稍后重新发送。"))
    return text if joined else _join(text, bind_hint(follower))


def _attach(desk: Staff, account: WechatAccount, case: Case, record: InboundMessage) -> bool:
    """Fetch the image through the backend and attach it like an upload; return whether it was kept."""
    from shouwen.cases import services as case_services

    try:
        data = get_backend().fetch_media(account, record.media_id, record.pic_url)
    except Exception:  # the edge: WeChat's media API failing must not lose the message
        logger.exception("fetching WeChat media %s failed", record.media_id)
        data = None
    if not data:
        return False
    upload = SimpleUploadedFile(f"wechat-{record.media_id[:40] or record.pk}.jpg", data)
    try:
        with transaction.atomic():
            record.attachment = case_services.add_attachment(desk, case, upload=upload)
    except (ValidationError, PermissionDenied) as exc:
        logger.warning("WeChat media %s refused: %s", record.media_id, exc)
        return False
    return True
