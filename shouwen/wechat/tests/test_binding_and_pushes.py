"""Binding a follower through the portal's phone sign-in, and status changes pushed to a bound follower by the worker."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from shouwen.cases import services
from shouwen.cases.models import Case, Contact
from shouwen.core.sms import LogSmsBackend
from shouwen.portal.testing import sign_in_resident
from shouwen.wechat.models import Follower, PushStatus, TemplatePush
from shouwen.wechat.pushes import deliver_pushes
from shouwen.wechat.tests.helpers import (
    OPENID,
    LogWechatBackend,
    event_xml,
    make_account,
    post,
    reply_text,
    reset_backend,
    text_xml,
)

_ids = iter(range(6054768590064800000, 6054768590064900000))


def say(wx: Client, text: str) -> str:
    return reply_text(post(wx, text_xml(text, str(next(_ids)))))


@pytest.fixture
def account(world):
    reset_backend()
    LogSmsBackend.sent.clear()
    return make_account(world)


@pytest.fixture
def wx():
    return Client()


def bind_link(answer: str) -> str:
    found = re.search(r"(/r/wechat/bind/[^/\s]+/)", answer)
    assert found, answer
    return found.group(1)


def bind(world, wx: Client, resident_key: str = "owner") -> None:
    """The follower opens the link in the welcome reply, signs in to the portal as the resident, confirms."""
    link = bind_link(reply_text(post(wx, event_xml("subscribe"))))
    browser = Client()
    sign_in_resident(browser, world.residents[resident_key])
    assert browser.post(link).status_code == 200


def last_code(phone: str) -> str:
    to, text = LogSmsBackend.sent[-1]
    assert to == phone
    found = re.search(r"(\d{6})", text)
    assert found, text
    return found.group(1)


def test_the_reply_to_an_unbound_follower_links_to_binding_through_the_portals_phone_sign_in(
    world, account, wx
):
    answer = say(wx, "厨房水管漏水了")
    link = bind_link(answer)
    browser = Client()
    # Not signed in: the portal asks for the phone number first, and comes back here afterwards.
    response = browser.get(link)
    assert response.status_code == 302 and response["Location"].startswith("/r/sign-in/")
    assert browser.post("/r/sign-in/", {"phone": "13812345678", "next": link}).status_code == 200
    response = browser.post(
        "/r/sign-in/code/", {"phone": "13812345678", "code": last_code("13812345678"), "next": link}
    )
    assert response.status_code == 302 and response["Location"] == link
    page = browser.get(link)
    assert page.status_code == 200 and "张伟" in page.content.decode()
    assert Follower.objects.get().resident is None  # showing the page binds nothing
    done = browser.post(link)
    assert done.status_code == 200 and 'id="bind-done"' in done.content.decode()
    follower = Follower.objects.get(openid=OPENID)
    assert follower.resident == world.residents["owner"] and follower.bound_at is not None
    # Bound, the replies stop offering the link.
    assert "/r/wechat/bind/" not in say(wx, "补充：是厨房的水管")


def test_a_forged_or_expired_link_binds_nothing(world, account, wx, settings):
    link = bind_link(say(wx, "你好"))
    browser = Client()
    sign_in_resident(browser, world.residents["owner"])
    token = link.split("/")[-2]
    middle = len(token) // 2
    forged = link.replace(
        token, token[:middle] + ("x" if token[middle] != "x" else "y") + token[middle + 1 :]
    )
    assert browser.post(forged).status_code == 400
    assert browser.post("/r/wechat/bind/not-a-token/").status_code == 400
    later = timezone.now() + timedelta(hours=settings.SHOUWEN_WECHAT_BIND_HOURS, minutes=1)
    with time_machine.travel(later):
        assert browser.post(link).status_code == 400
    assert Follower.objects.get().resident is None


def test_a_resident_of_another_estate_cannot_bind_the_follower(world, account, wx):
    link = bind_link(say(wx, "你好"))
    browser = Client()
    sign_in_resident(browser, world.residents["other_owner"])
    assert browser.get(link).status_code == 403
    assert browser.post(link).status_code == 403
    assert Follower.objects.get().resident is None


def test_staff_signed_in_are_not_residents_on_the_binding_page(world, account, wx, client_for):
    link = bind_link(say(wx, "你好"))
    staff = client_for(world.clerk)
    response = staff.post(link)
    assert response.status_code == 302 and response["Location"].startswith("/r/sign-in/")
    assert Follower.objects.get().resident is None


def test_a_bound_followers_message_is_registered_for_the_resident_and_unit_without_the_bind_hint(
    world, account, wx
):
    bind(world, wx)
    answer = say(wx, "厨房水管漏水了")
    contact = Contact.objects.get()
    assert contact.resident == world.residents["owner"]
    assert contact.unit == world.units["3-2-1502"]
    assert contact.caller_name == "张伟" and contact.caller_phone == "13812345678"
    assert contact.category == "household_repair"
    assert contact.case is not None and contact.case.number in answer
    assert "/r/wechat/bind/" not in answer


def test_an_unbound_followers_message_names_no_resident(account, wx):
    answer = say(wx, "厨房水管漏水了")
    contact = Contact.objects.get()
    assert contact.resident is None and contact.unit is None
    assert contact.caller_name == "微信用户"
    assert "/r/wechat/bind/" in answer


def test_status_changes_of_a_bound_followers_case_are_pushed_by_the_worker_not_inline(world, account, wx):
    bind(world, wx)
    say(wx, "厨房水管漏水了")
    case = Case.objects.get()
    # Registration came through WeChat: its reply carried the number, nothing is pushed for it.
    assert not TemplatePush.objects.exists()
    holder = case.accountable
    services.hand_over(holder, case, to_staff=world.technician, note="请上门查看")
    services.accept_handover(world.technician, case.handovers.get())
    services.resolve_case(world.technician, Case.objects.get(), resolution="已更换水管接头")
    pushes = list(TemplatePush.objects.order_by("pk"))
    assert [p.status_text for p in pushes] == ["已交由责任人刘（工号 LJ010）处理", "已处理完成"]
    assert all(p.status == PushStatus.PENDING for p in pushes)
    assert LogWechatBackend.sent == []  # nothing was sent by the requests themselves
    assert deliver_pushes() == {"sent": 2, "retry": 0, "failed": 0}
    sent = LogWechatBackend.sent
    assert [s["openid"] for s in sent] == [OPENID, OPENID]
    assert sent[0]["data"]["keyword1"] == case.number
    assert sent[1]["data"]["keyword2"] == "已处理完成"
    assert "刘师傅" not in str(sent)
    # Run again (another worker, a retried task): nothing is sent twice.
    assert deliver_pushes() == {"sent": 0, "retry": 0, "failed": 0}
    assert len(LogWechatBackend.sent) == 2


def test_a_case_registered_at_the_desk_for_a_bound_resident_is_pushed_as_registered(world, account, wx):
    bind(world, wx)
    case = world.register(content="楼上噪音扰民")
    push = TemplatePush.objects.get()
    assert push.case == case and push.status_text == "已登记受理"


def test_unbound_or_unsubscribed_followers_get_no_pushes(world, account, wx):
    say(wx, "厨房水管漏水了")  # unbound
    case = Case.objects.get()
    services.resolve_case(case.accountable, case, resolution="已处理")
    assert not TemplatePush.objects.exists()
    bind(world, wx)
    Follower.objects.update(subscribed=False)
    world.register(content="楼上噪音扰民")
    assert not TemplatePush.objects.exists()


def test_a_failing_push_is_retried_later_then_given_up(world, account, wx, settings):
    from shouwen.wechat.backends import PushResult

    class Failing(LogWechatBackend):
        def send_template(self, *args, **kwargs):
            return PushResult(ok=False, error="errcode 43004 require subscribe")

    bind(world, wx)
    world.register(content="楼上噪音扰民")
    settings.SHOUWEN_WECHAT_BACKEND = f"{__name__}.Failing"
    globals()["Failing"] = Failing
    assert deliver_pushes() == {"sent": 0, "retry": 1, "failed": 0}
    push = TemplatePush.objects.get()
    assert push.next_try_at > timezone.now() and "43004" in push.error
    later = timezone.now() + timedelta(days=1)
    for _ in range(4):
        deliver_pushes(now=later)
        later += timedelta(days=1)
    push.refresh_from_db()
    assert push.status == PushStatus.FAILED and push.attempts == 5


def test_the_worker_queues_the_push_task_with_the_deliveries():
    from shouwen.notifications.management.commands.worker import DELIVERY_TASKS
    from shouwen.wechat.tasks import push_templates_task

    assert push_templates_task in DELIVERY_TASKS
