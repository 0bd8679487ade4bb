"""E-mail in and out through a real IMAP server (dovecot) and a real SMTP server, both on loopback."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from shouwen.cases.models import Case, CaseEvent, CaseNote, Channel, Contact
from shouwen.mailbox.models import Mailbox, MailMessage, MailStatus
from shouwen.mailbox.services import poll_all_once
from shouwen.mailbox.tests.conftest import PASSWORD
from shouwen.mailbox.tests.helpers import PNG, build, send

DESK = "desk@ljy.test"
OWNER = "owner@home.test"

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(world, mail_server):
    dovecot, _port = mail_server
    owner = world.residents["owner"]
    owner.email = OWNER
    owner.save()
    return Mailbox.objects.create(
        estate=world.estate,
        address=DESK,
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        security="none",
        username=DESK,
        password=PASSWORD,
        registrar=world.staff["front_desk"],
    )


@pytest.fixture
def poll():
    """Run the worker's poll as the next periods come (each call is a new period of the lease)."""
    periods = count(1)

    def run():
        step = timedelta(seconds=settings.SHOUWEN_MAIL_POLL_SECONDS * next(periods))
        return poll_all_once(now=timezone.now() + step)

    return run


def test_a_resident_writes_staff_reply_from_the_case_and_the_answer_joins_the_same_case(
    world, mailbox, mail_server, poll, client_for
):
    dovecot, smtp_port = mail_server
    first_id = send(
        smtp_port,
        build(
            sender=f"王建国 <{OWNER}>",
            to=DESK,
            subject="卫生间天花板漏水",
            body="楼上卫生间漏水，滴到我家天花板上了，请尽快派人来看。",
            attachments=(
                ("ceiling.png", PNG, "image/png"),
                ("fix.exe", b"MZ\x90\x00binary", "application/octet-stream"),
            ),
        ),
    )
    assert dovecot.messages(DESK, seen=False), "the e-mail is in the estate's mailbox, unseen"

    result = poll()
    assert result["ran"] and result["registered"] == 1

    row = MailMessage.objects.get(message_id=first_id)
    case = row.case
    assert row.status == MailStatus.REGISTERED
    assert case.origin.channel == Channel.EMAIL
    assert case.resident == world.residents["owner"] and case.unit == world.units["3-2-1502"]
    assert case.category == "household_repair" and case.accountable == world.staff["front_desk"]
    assert "滴到我家天花板" in case.origin.content
    # The photo is attached to the case; the program is not, and the contact says so.
    assert [a.original_name for a in case.attachments.all()] == ["ceiling.png"]
    assert "fix.exe" in case.origin.content and [a["name"] for a in row.attachments if not a["saved"]] == [
        "fix.exe"
    ]
    # Seen on the server only now that it is registered; polling again registers nothing twice.
    assert not dovecot.messages(DESK, seen=False)
    assert poll()["registered"] == 0
    assert Case.objects.filter(origin__channel=Channel.EMAIL).count() == 1

    # The holder finds the case and replies from its page.
    desk = client_for(world.staff["front_desk"])
    page = desk.get(reverse("cases:detail", args=[case.number]))
    assert "邮件答复住户" in page.content.decode() and "卫生间天花板漏水" in page.content.decode()
    response = desk.post(
        reverse("cases:act", args=[case.number, "reply_by_email"]),
        {"text": "王先生您好，维修师傅今天下午三点上门查看。"},
    )
    assert response.status_code == 302

    # The reply is read back from the resident's mailbox on the IMAP server.
    replies = dovecot.messages(OWNER)
    assert len(replies) == 1
    reply = replies[0]
    assert reply.headers["in-reply-to"][0].strip() == first_id
    assert first_id in reply.headers["references"][0]
    assert f"[{case.number}]" in reply.subject and reply.subject.startswith("Re: 卫生间天花板漏水")
    assert reply.from_values.email == DESK
    assert "下午三点上门" in reply.text
    sent = MailMessage.objects.get(direction="out")
    assert reply.headers["message-id"][0].strip() == sent.message_id
    note = CaseNote.objects.get(case=case, kind=CaseNote.Kind.TO_RESIDENT)
    assert sent.note == note and sent.author == world.staff["front_desk"]
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.MESSAGE, data__channel="email").exists()

    # The resident answers in the same thread: it joins the same case as a further contact.
    answer_id = send(
        smtp_port,
        build(
            sender=OWNER,
            to=DESK,
            subject="Re: " + reply.subject,
            body="好的，下午我在家。",
            headers={"In-Reply-To": sent.message_id, "References": f"{first_id} {sent.message_id}"},
        ),
    )
    assert poll()["joined"] == 1
    joined = MailMessage.objects.get(message_id=answer_id)
    assert joined.status == MailStatus.JOINED and joined.case == case
    assert Contact.objects.filter(case=case, channel=Channel.EMAIL).count() == 2
    assert Case.objects.filter(origin__channel=Channel.EMAIL).count() == 1

    # The resident's out-of-office answer to a later reply is kept but not registered.
    auto_id = send(
        smtp_port,
        build(
            sender=OWNER,
            to=DESK,
            subject="自动回复：" + reply.subject,
            body="我正在休假，12月10日回来。",
            headers={"Auto-Submitted": "auto-replied", "In-Reply-To": sent.message_id},
        ),
    )
    # A bounce of a reply that could not be delivered is not registered either.
    bounce = build(
        sender="MAILER-DAEMON@mx.home.test", to=DESK, subject="Undelivered Mail Returned to Sender"
    )
    bounce.set_content("This is the mail system: your message could not be delivered.")
    bounce_id = send(smtp_port, bounce)
    result = poll()
    assert (
        result["auto_reply"] == 1 and result["bounce"] == 1 and result["registered"] == result["joined"] == 0
    )
    assert MailMessage.objects.get(message_id=auto_id).status == MailStatus.AUTO_REPLY
    assert MailMessage.objects.get(message_id=bounce_id).status == MailStatus.BOUNCE
    assert Contact.objects.filter(case=case).count() == 2
    assert Case.objects.filter(origin__channel=Channel.EMAIL).count() == 1
    assert not dovecot.messages(DESK, seen=False)


def test_a_message_registered_but_not_yet_flagged_seen_is_not_registered_again(
    world, mailbox, mail_server, poll
):
    """A worker killed between the commit and the flag: the next poll finds the Message-ID and only flags it."""
    from shouwen.mailbox.services import receive

    dovecot, smtp_port = mail_server
    message_id = send(
        smtp_port, build(sender=OWNER, to=DESK, subject="咨询停车", body="请问访客车位怎么预约？")
    )
    (message,) = dovecot.messages(DESK, seen=False)
    row, created = receive(mailbox, message.obj.as_bytes())
    assert created and row.message_id == message_id

    result = poll()
    assert result["already"] == 1 and result["registered"] == 0
    assert MailMessage.objects.filter(message_id=message_id).count() == 1
    assert Contact.objects.filter(channel=Channel.EMAIL).count() == 1
    assert not dovecot.messages(DESK, seen=False)


def test_a_message_that_cannot_be_registered_stays_unseen_and_is_registered_at_the_next_poll(
    world, mailbox, mail_server, poll
):
    dovecot, smtp_port = mail_server
    send(
        smtp_port, build(sender="stranger@else.test", to=DESK, subject="路灯不亮", body="小区东门路灯不亮。")
    )
    desk = world.staff["front_desk"]
    desk.is_active = False  # nobody may register for the estate: the registration is refused
    desk.save()
    result = poll()
    assert result["failed"] == 1 and not MailMessage.objects.exists()
    assert len(dovecot.messages(DESK, seen=False)) == 1, "nothing is lost: it stays unseen on the server"

    desk.is_active = True
    desk.save()
    result = poll()
    assert result["registered"] == 1
    contact = Contact.objects.get(channel=Channel.EMAIL)
    assert contact.resident is None and contact.category == "public_repair"
    assert contact.caller_name == "st***@else.test"
    assert not dovecot.messages(DESK, seen=False)


def test_a_mailbox_that_refuses_the_password_is_noted_and_the_others_are_read(
    world, mailbox, mail_server, poll
):
    dovecot, smtp_port = mail_server
    Mailbox.objects.create(
        estate=world.other_estate,
        address="desk@chy.test",
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        security="none",
        username="desk@chy.test",
        password="wrong",
        registrar=world.staff["other_technician"],
    )
    send(smtp_port, build(sender=OWNER, to=DESK, subject="表扬保安", body="保安小赵很负责。"))
    result = poll()
    assert result["mailboxes"] == 2 and result["mailboxes_failed"] == 1 and result["registered"] == 1
    failed = Mailbox.objects.get(address="desk@chy.test")
    assert failed.last_error and failed.last_polled_at is not None
    assert Mailbox.objects.get(pk=mailbox.pk).last_error == ""


def test_the_poll_runs_once_per_period_however_many_workers_ask(world, mailbox, mail_server):
    now = timezone.now() + timedelta(days=1)
    assert poll_all_once(now=now)["ran"] == 1
    assert poll_all_once(now=now)["ran"] == 0
