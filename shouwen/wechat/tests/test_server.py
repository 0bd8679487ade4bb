"""The server URL: WeChat's signature check, replays refused, retries answered once, text and images registered."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from shouwen.cases.models import Attachment, Case, CaseEvent, Channel, Contact
from shouwen.notifications.models import Notification
from shouwen.wechat.models import Follower, InboundMessage
from shouwen.wechat.services import desk_on_duty
from shouwen.wechat.tests.helpers import (
    APP_ID,
    JPEG,
    OPENID,
    ORIGINAL_ID,
    TOKEN,
    LogWechatBackend,
    event_xml,
    image_xml,
    make_account,
    post,
    query,
    reply_text,
    reset_backend,
    sign,
    text_xml,
)


@pytest.fixture
def account(world):
    reset_backend()
    return make_account(world)


@pytest.fixture
def wx():
    return Client()  # WeChat's servers: no session, no CSRF token


def test_the_server_url_echoes_the_string_when_the_signature_is_right(account, wx):
    response = wx.get(f"/wechat/in/{APP_ID}/?{query(echostr='7203946135188745302')}")
    assert response.status_code == 200
    assert response.content == b"7203946135188745302"


def test_a_forged_signature_is_refused_on_verification_and_on_a_message(account, wx):
    ts = str(int(time.time()))
    forged = f"signature={sign('not-the-token', ts, '42')}&timestamp={ts}&nonce=42"
    assert wx.get(f"/wechat/in/{APP_ID}/?{forged}&echostr=123").status_code == 403
    response = post(wx, text_xml("3栋2单元1502厨房漏水", "6054768590064713728"), q=forged)
    assert response.status_code == 403
    assert not Contact.objects.exists() and not InboundMessage.objects.exists()
    # No signature at all, and a right signature on other values, are refused alike.
    assert post(wx, text_xml("漏水", "1"), q="timestamp=1&nonce=2").status_code == 403
    tampered = query().replace("nonce=1405897312", "nonce=1405897313")
    assert post(wx, text_xml("漏水", "2"), q=tampered).status_code == 403
    assert not Contact.objects.exists()


def test_a_stale_timestamp_is_refused_even_when_signed_right(account, wx):
    old = int(time.time()) - 3600
    response = post(wx, text_xml("漏水", "6054768590064713729", created=old), q=query(timestamp=old))
    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_an_unknown_or_inactive_account_is_not_found(account, wx):
    assert wx.get(f"/wechat/in/wxnobody/?{query(echostr='1')}").status_code == 404
    account.active = False
    account.save()
    assert wx.get(f"/wechat/in/{APP_ID}/?{query(echostr='1')}").status_code == 404


def test_a_text_message_becomes_a_contact_and_the_reply_carries_the_case_number(world, account, wx):
    response = post(wx, text_xml("3栋2单元1502厨房天花板漏水，麻烦尽快来看看", "6054768590064713730"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    # The passive reply goes back from the account to the follower.
    assert root.findtext("ToUserName") == OPENID
    assert root.findtext("FromUserName") == ORIGINAL_ID
    contact = Contact.objects.get()
    assert contact.channel == Channel.WECHAT
    assert contact.case is not None
    assert contact.case.number in root.findtext("Content")
    assert contact.content == "3栋2单元1502厨房天花板漏水，麻烦尽快来看看"
    assert contact.category == "public_repair"  # an unbound follower has no unit
    # The desk on duty registered it and holds it (no roster: the service department's head).
    assert contact.registered_by == world.supervisor == contact.case.accountable
    assert contact.case.events.filter(kind=CaseEvent.Kind.REGISTERED).count() == 1
    # Nobody typed it in at the desk: the holder is told.
    told = Notification.objects.get(recipient=world.supervisor, case=contact.case)
    assert "微信公众号报事" in told.title and contact.case.number in told.title
    message = InboundMessage.objects.get()
    assert message.case == contact.case and message.reply == reply_text(response)
    # An unbound follower is told how to bind.
    assert "/r/wechat/bind/" in reply_text(response)


def test_the_desk_person_rostered_now_registers_the_message(world, account, wx):
    from datetime import timedelta

    from django.utils import timezone

    from shouwen.duty.tests.helpers import day_of, roster, shift_ending

    ends = timezone.now() + timedelta(hours=2)
    shift_ending(world, "day", ends)
    roster(world, world.clerk, "day", day_of(ends))
    assert desk_on_duty(world.estate) == world.clerk
    post(wx, text_xml("小区东门路灯不亮", "6054768590064713731"))
    assert Contact.objects.get().registered_by == world.clerk


def test_wechat_retries_of_one_message_register_it_once_and_get_the_same_reply(account, wx):
    xml = text_xml("车库入口积水严重", "6054768590064713732")
    first = post(wx, xml)
    # WeChat retries three times within 15 seconds when it thinks the answer was late.
    again = [post(wx, xml, q=query(nonce=f"99{i}")) for i in range(3)]
    assert all(r.status_code == 200 for r in again)
    assert {reply_text(r) for r in again} == {reply_text(first)}
    assert Contact.objects.count() == 1 and Case.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_a_follow_up_within_the_window_joins_the_open_case(account, wx, settings):
    first = post(wx, text_xml("楼道灯坏了", "6054768590064713733"))
    case = Case.objects.get()
    second = post(wx, text_xml("是3栋2单元12楼", "6054768590064713734"))
    assert Case.objects.count() == 1
    assert case.number in reply_text(second) and "补充" in reply_text(second)
    assert case.contacts.count() == 2
    assert case.events.filter(kind=CaseEvent.Kind.CONTACT, text="是3栋2单元12楼").exists()
    assert reply_text(first) != reply_text(second)
    assert Notification.objects.filter(case=case, title__contains="补充").count() == 1


def test_a_message_after_the_window_or_after_the_case_closed_opens_a_new_case(account, wx, world):
    from datetime import timedelta

    post(wx, text_xml("楼道灯坏了", "6054768590064713735"))
    InboundMessage.objects.update(received_at=InboundMessage.objects.get().received_at - timedelta(hours=2))
    post(wx, text_xml("门禁坏了", "6054768590064713736"))
    assert Case.objects.count() == 2


def test_an_image_is_fetched_checked_and_attached_to_the_new_case(account, wx):
    LogWechatBackend.media["MEDIA_leak_photo"] = JPEG
    response = post(wx, image_xml("MEDIA_leak_photo", "6054768590064713737"))
    case = Case.objects.get()
    assert case.number in reply_text(response)
    attachment = Attachment.objects.get(case=case)
    assert attachment.content_type == "image/jpeg"
    assert attachment.file.read() == JPEG
    assert Contact.objects.get().channel == Channel.WECHAT
    assert InboundMessage.objects.get().attachment == attachment


def test_an_image_after_a_text_joins_its_case(account, wx):
    post(wx, text_xml("卫生间漏水", "6054768590064713738"))
    LogWechatBackend.media["MEDIA_2"] = JPEG
    response = post(wx, image_xml("MEDIA_2", "6054768590064713739"))
    case = Case.objects.get()
    assert Attachment.objects.filter(case=case).count() == 1
    assert case.number in reply_text(response)


def test_an_image_that_is_no_picture_or_cannot_be_fetched_is_kept_and_the_reply_says_so(account, wx):
    LogWechatBackend.media["MEDIA_exe"] = b"MZ\x90\x00not a picture"
    response = post(wx, image_xml("MEDIA_exe", "6054768590064713740"))
    assert "未能保存" in reply_text(response)
    assert not Attachment.objects.exists()
    response = post(wx, image_xml("MEDIA_missing", "6054768590064713741"))
    assert "未能保存" in reply_text(response)
    kept = InboundMessage.objects.order_by("pk")
    assert [m.media_id for m in kept] == ["MEDIA_exe", "MEDIA_missing"]
    assert all(m.pic_url.startswith("http://mmbiz.qpic.cn/") for m in kept)


def test_subscribe_and_unsubscribe_events_follow_the_follower(account, wx):
    response = post(wx, event_xml("subscribe"))
    assert "欢迎关注" in reply_text(response)
    assert Follower.objects.get(openid=OPENID).subscribed
    response = post(wx, event_xml("unsubscribe", created=int(time.time()) + 1))
    assert response.content == b"success"
    assert not Follower.objects.get(openid=OPENID).subscribed
    assert not Contact.objects.exists()


def test_voice_messages_are_kept_and_answered_without_a_case(account, wx):
    xml = text_xml("", "6054768590064713742").replace("[text]", "[voice]")
    response = post(wx, xml)
    assert "文字和图片" in reply_text(response)
    assert InboundMessage.objects.get().msg_type == "other"
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
        b"<xml><ToUserName>gh</ToUserName></xml>",
    ],
)
def test_a_malformed_body_is_a_bad_request_and_registers_nothing(account, wx, body):
    response = wx.post(f"/wechat/in/{APP_ID}/?{query()}", data=body, content_type="text/xml")
    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


def test_a_message_for_another_official_account_is_refused(account, wx):
    xml = text_xml("漏水", "6054768590064713743").replace(ORIGINAL_ID, "gh_someoneelse")
    assert post(wx, xml).status_code == 400


def test_the_token_from_the_environment_wins_over_the_stored_one(account, wx, monkeypatch):
    monkeypatch.setenv(f"SHOUWEN_WECHAT_TOKEN_{APP_ID.upper()}", "FromTheEnvironment1")
    assert wx.get(f"/wechat/in/{APP_ID}/?{query(echostr='1')}").status_code == 403
    assert wx.get(f"/wechat/in/{APP_ID}/?{query('FromTheEnvironment1', echostr='1')}").status_code == 200
    assert TOKEN != "FromTheEnvironment1"


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_message_at_the_same_moment_register_it_once(monkeypatch):
    import threading

    from django.db import connection

    from shouwen.core.testing import make_world
    from shouwen.wechat import services
    from shouwen.wechat.protocol import parse_message

    world = make_world()
    reset_backend()
    account = make_account(world)
    message = parse_message(text_xml("电梯困人了，快来人", "6054768590064713799").encode())
    # Both deliveries find no stored reply before either has registered anything: the race.
    barrier = threading.Barrier(2, timeout=20)
    looked_up = services.stored_reply
    first_lookups: set[int] = set()

    def lookup_then_wait(acct, key):
        found = looked_up(acct, key)
        me = threading.get_ident()
        if me not in first_lookups:
            first_lookups.add(me)
            barrier.wait()
        return found

    monkeypatch.setattr(services, "stored_reply", lookup_then_wait)
    replies: list[str] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            replies.append(services.receive_message(account, message))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert Contact.objects.count() == 1 and InboundMessage.objects.count() == 1
    number = Case.objects.get().number
    assert len(replies) == 2 and all(number in r for r in replies)
