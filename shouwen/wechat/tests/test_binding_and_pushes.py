"""Binding a follower by phone verification, and status changes pushed to a bound follower by the worker."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shouwen.cases import services
from shouwen.cases.models import Case, Contact
from shouwen.core.sms import LogSmsBackend
from shouwen.wechat.binding import MAX_TRIES
from shouwen.wechat.models import BindRequest, Follower, PushStatus, TemplatePush
from shouwen.wechat.pushes import deliver_pushes
from shouwen.wechat.tests.helpers import (
    OPENID,
    LogWechatBackend,
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


def last_code(phone: str) -> str:
    to, text = LogSmsBackend.sent[-1]
    assert to == phone
    found = re.search(r"\b(\d{6})\b", text)
    assert found
    return found.group(1)


def bind(wx: Client, phone: str = "13812345678") -> str:
    say(wx, phone)
    return say(wx, last_code(phone))


def test_a_follower_binds_by_the_code_sent_to_the_residents_phone(world, account, wx):
    answer = say(wx, "138 1234 5678")
    assert "验证码" in answer
    code = last_code("13812345678")
    request = BindRequest.objects.get()
    assert code not in request.code_hash  # only a keyed hash is kept
    answer = say(wx, code)
    assert "绑定成功" in answer and "张*" in answer and "张伟" not in answer
    follower = Follower.objects.get(openid=OPENID)
    assert follower.resident == world.residents["owner"]
    assert not Contact.objects.exists()  # numbers and codes are not registered as matters


def test_an_unregistered_number_gets_the_same_answer_and_no_text_message(account, wx):
    registered = say(wx, "13812345678")
    LogSmsBackend.sent.clear()
    unknown = say(wx, "13600000000")
    assert unknown == registered
    assert LogSmsBackend.sent == []
    assert say(wx, "123456") == "验证码不正确，请核对后重新回复。"
    assert Follower.objects.get().resident is None


def test_wrong_codes_are_counted_and_the_code_dies_after_the_last_try(account, wx):
    say(wx, "13812345678")
    code = last_code("13812345678")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [say(wx, wrong) for _ in range(MAX_TRIES)]
    assert "次数过多" in answers[-1]
    assert say(wx, code).startswith("验证码已失效") or "登记" in say(wx, code)
    assert Follower.objects.get().resident is None


def test_an_expired_code_does_not_bind(account, wx):
    say(wx, "13812345678")
    code = last_code("13812345678")
    BindRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    say(wx, code)
    assert Follower.objects.get().resident is None


def test_codes_are_throttled_per_follower(account, wx):
    for _ in range(3):
        say(wx, "13812345678")
    assert "频繁" in say(wx, "13812345678")
    assert len(LogSmsBackend.sent) == 3


def test_a_bound_followers_message_is_registered_for_the_resident_and_unit_without_the_bind_hint(
    world, account, wx
):
    bind(wx)
    answer = say(wx, "厨房水管漏水了")
    contact = Contact.objects.get()
    assert contact.resident == world.residents["owner"]
    assert contact.unit == world.units["3-2-1502"]
    assert contact.caller_name == "张伟" and contact.caller_phone == "13812345678"
    assert contact.category == "household_repair"
    assert contact.case is not None and contact.case.number in answer
    assert "手机号码" not in answer


def test_an_unbound_followers_message_names_no_resident(account, wx):
    answer = say(wx, "厨房水管漏水了")
    contact = Contact.objects.get()
    assert contact.resident is None and contact.unit is None
    assert contact.caller_name == "微信用户"
    assert "手机号码" in answer


def test_status_changes_of_a_bound_followers_case_are_pushed_by_the_worker_not_inline(world, account, wx):
    bind(wx)
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
    bind(wx)
    case = world.register(content="楼上噪音扰民")
    push = TemplatePush.objects.get()
    assert push.case == case and push.status_text == "已登记受理"


def test_unbound_or_unsubscribed_followers_get_no_pushes(world, account, wx):
    say(wx, "厨房水管漏水了")  # unbound
    case = Case.objects.get()
    services.resolve_case(case.accountable, case, resolution="已处理")
    assert not TemplatePush.objects.exists()
    bind(wx)
    Follower.objects.update(subscribed=False)
    world.register(content="楼上噪音扰民")
    assert not TemplatePush.objects.exists()


def test_a_failing_push_is_retried_later_then_given_up(world, account, wx, settings):
    from shouwen.wechat.backends import PushResult

    class Failing(LogWechatBackend):
        def send_template(self, *args, **kwargs):
            return PushResult(ok=False, error="errcode 43004 require subscribe")

    bind(wx)
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
    from shouwen.notifications.management.commands.worker import PERIODIC_TASKS
    from shouwen.wechat.tasks import push_templates_task

    assert push_templates_task in PERIODIC_TASKS
