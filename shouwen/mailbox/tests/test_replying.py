"""Replying to a resident by e-mail from the case: who may, what is sent, what is recorded."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from shouwen.cases.models import CaseEvent, CaseNote
from shouwen.core.testing import free_port
from shouwen.mailbox.models import Mailbox, MailMessage
from shouwen.mailbox.services import receive
from shouwen.mailbox.tests.helpers import build

DESK = "desk@ljy.test"
OWNER = "owner@home.test"


@pytest.fixture
def mailbox(world):
    return Mailbox.objects.create(
        estate=world.estate,
        address=DESK,
        imap_host="imap.invalid",
        username=DESK,
        password="x",
        registrar=world.clerk,
    )


@pytest.fixture
def emailed(world, mailbox):
    """A case opened by a resident's e-mail (held by the desk clerk); returns the received row."""
    row, _ = receive(
        mailbox,
        build(
            sender=f"张伟 <{OWNER}>", to=DESK, subject="门禁卡失效", body="我的门禁卡刷不开单元门。"
        ).as_bytes(),
    )
    return row


def url(case):
    return f"/api/v1/cases/{case.number}/email-replies/"


def test_the_holder_replies_in_the_residents_thread(world, emailed, api_for):
    case = emailed.case
    response = api_for(world.clerk).post(url(case), {"text": "您好，请到服务中心补办。"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "您好，请到服务中心补办。"
    (sent,) = mail.outbox
    assert sent.to == [OWNER] and "desk@ljy.test" in sent.from_email
    assert sent.extra_headers["In-Reply-To"] == emailed.message_id
    assert sent.extra_headers["References"] == emailed.message_id
    assert sent.subject == f"Re: 门禁卡失效 [{case.number}]"
    row = MailMessage.objects.get(direction="out")
    assert sent.extra_headers["Message-ID"] == row.message_id and row.message_id.endswith("@ljy.test>")
    assert row.case == case and row.author == world.clerk and row.in_reply_to == emailed.message_id
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.MESSAGE)
    assert event.actor == world.clerk and event.data["channel"] == "email" and "补办" in event.text


def test_a_supervisor_may_reply_too(world, emailed, api_for):
    response = api_for(world.supervisor).post(url(emailed.case), {"text": "已安排。"}, format="json")
    assert response.status_code == 201


def test_a_technician_of_the_estate_not_holding_the_case_may_not_reply(world, emailed, api_for):
    response = api_for(world.technician).post(url(emailed.case), {"text": "x"}, format="json")
    assert response.status_code == 403
    assert not mail.outbox and not MailMessage.objects.filter(direction="out").exists()


def test_a_technician_of_another_estate_cannot_reply_even_if_he_knows_the_number(
    world, emailed, api_for, client_for
):
    case = emailed.case
    response = api_for(world.staff["other_technician"]).post(url(case), {"text": "x"}, format="json")
    assert response.status_code == 404
    page = client_for(world.staff["other_technician"]).post(
        reverse("cases:act", args=[case.number, "reply_by_email"]), {"text": "x"}
    )
    assert page.status_code in (403, 404)
    assert not mail.outbox and not CaseNote.objects.exists()


def test_the_case_page_offers_the_reply_only_when_an_address_is_known(world, emailed, client_for):
    desk = client_for(world.clerk)
    page = desk.get(reverse("cases:detail", args=[emailed.case.number])).content.decode()
    assert "邮件答复住户" in page and "ow***@home.test" in page and OWNER not in page.split("mail-card")[0]
    phoned = world.register(content="楼道灯不亮", category="public_repair", resident=None, unit=None)
    page = desk.get(reverse("cases:detail", args=[phoned.number])).content.decode()
    assert "邮件答复住户" not in page


def test_a_case_without_an_address_refuses_the_reply(world, mailbox, api_for):
    case = world.register(content="楼道灯不亮", category="public_repair", resident=None, unit=None)
    response = api_for(world.clerk).post(url(case), {"text": "x"}, format="json")
    assert response.status_code == 403 and not mail.outbox


def test_a_resident_with_an_address_is_written_to_in_a_new_thread(world, mailbox, api_for):
    owner = world.residents["owner"]
    owner.email = OWNER
    owner.save()
    case = world.register(content="询问装修手续", category="consultation")
    response = api_for(world.clerk).post(url(case), {"text": "装修需带身份证和图纸。"}, format="json")
    assert response.status_code == 201, response.content
    (sent,) = mail.outbox
    assert sent.to == [OWNER] and "In-Reply-To" not in sent.extra_headers
    assert sent.subject.startswith(f"[{case.number}] ")


def test_nothing_is_recorded_when_the_mail_server_cannot_be_reached(world, emailed, api_for, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.EMAIL_USE_TLS = False
    response = api_for(world.clerk).post(url(emailed.case), {"text": "您好"}, format="json")
    assert response.status_code == 400 and "邮件未能发出" in str(response.json())
    assert not CaseNote.objects.exists() and not MailMessage.objects.filter(direction="out").exists()
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.MESSAGE).exists()


def test_an_empty_reply_is_refused(world, emailed, api_for):
    response = api_for(world.clerk).post(url(emailed.case), {"text": "  "}, format="json")
    assert response.status_code == 400 and not mail.outbox


def test_the_api_lists_a_cases_emails_with_addresses_masked_unless_the_reader_may_see_them(
    world, emailed, api_for, mailbox
):
    api_for(world.clerk).post(url(emailed.case), {"text": "请到服务中心补办。"}, format="json")
    listed = api_for(world.technician).get("/api/v1/mail-messages/", {"case": emailed.case.number}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["direction"] for r in rows] == ["out", "in"]
    assert rows[1]["from_address"] == "ow***@home.test" and rows[0]["in_reply_to"] == emailed.message_id
    full = api_for(world.clerk).get(f"/api/v1/mail-messages/{emailed.pk}/").json()
    assert full["from_address"] == OWNER and full["status"] == "registered"
    # Another estate's technician sees none of them.
    other = api_for(world.staff["other_technician"])
    listed = other.get("/api/v1/mail-messages/").json()
    assert (listed["results"] if isinstance(listed, dict) else listed) == []
    assert other.get(f"/api/v1/mail-messages/{emailed.pk}/").status_code == 404


def test_the_same_reply_sent_twice_in_a_row_goes_out_once(world, emailed, api_for):
    api = api_for(world.clerk)
    assert api.post(url(emailed.case), {"text": "师傅下午到。"}, format="json").status_code == 201
    again = api.post(url(emailed.case), {"text": "师傅下午到。"}, format="json")
    assert again.status_code == 400 and "没有重复发送" in str(again.json())
    assert len(mail.outbox) == 1 and CaseNote.objects.count() == 1
    assert api.post(url(emailed.case), {"text": "师傅改为明天上午到。"}, format="json").status_code == 201
    assert len(mail.outbox) == 2
