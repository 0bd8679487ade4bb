"""Registering received e-mails (the rules of shouwen.mailbox.services.receive), without a mail server."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from shouwen.cases.models import Case, CaseStatus, Channel, Contact
from shouwen.mailbox import parsing
from shouwen.mailbox.models import Mailbox, MailStatus
from shouwen.mailbox.services import receive, registrar_for, thread_case
from shouwen.mailbox.tests.helpers import PNG, build

DESK = "desk@ljy.test"
OWNER = "owner@home.test"


@pytest.fixture
def mailbox(world):
    owner = world.residents["owner"]
    owner.email = "Owner@Home.test"  # matched whatever the case of the letters
    owner.save()
    return Mailbox.objects.create(
        estate=world.estate,
        address=DESK,
        imap_host="imap.invalid",
        username=DESK,
        password="x",
        registrar=world.clerk,
    )


def raw(msg: EmailMessage) -> bytes:
    return msg.as_bytes()


def test_an_email_from_a_resident_opens_a_case_on_the_email_channel(world, mailbox):
    row, created = receive(
        mailbox, raw(build(sender=OWNER, to=DESK, subject="电梯困人", body="3栋电梯困人了！"))
    )
    assert created and row.status == MailStatus.REGISTERED
    case = row.case
    assert case.origin.channel == Channel.EMAIL and case.resident == world.residents["owner"]
    assert case.category == "household_repair" and case.urgency == "emergency"
    assert case.origin.caller_name == world.residents["owner"].name
    assert case.first_contact == world.clerk
    assert "邮件主题：电梯困人" in case.origin.content


def test_the_same_message_twice_is_registered_once(world, mailbox):
    message = raw(build(sender=OWNER, to=DESK, subject="咨询", body="物业费怎么交？"))
    first, created = receive(mailbox, message)
    again, created_again = receive(mailbox, message)
    assert created and not created_again and again.pk == first.pk
    assert Contact.objects.filter(channel=Channel.EMAIL).count() == 1


def test_a_message_without_message_id_gets_a_stable_one(world, mailbox):
    msg = build(sender=OWNER, to=DESK, subject="咨询", body="你好")
    del msg["Message-ID"]
    first, _ = receive(mailbox, raw(msg))
    again, created = receive(mailbox, raw(msg))
    assert first.message_id.endswith("@no-message-id.shouwen>") and not created and again.pk == first.pk


@pytest.mark.parametrize(
    ("headers", "subject", "kind"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: 漏水", MailStatus.AUTO_REPLY),
        ({"X-Autoreply": "yes"}, "Re: 漏水", MailStatus.AUTO_REPLY),
        ({"Precedence": "bulk"}, "物业通知", MailStatus.AUTO_REPLY),
        ({"Precedence": "auto_reply"}, "Re: 漏水", MailStatus.AUTO_REPLY),
        ({}, "Automatic reply: 漏水", MailStatus.AUTO_REPLY),
        ({}, "Out of Office: 漏水", MailStatus.AUTO_REPLY),
        ({}, "自动回复：漏水", MailStatus.AUTO_REPLY),
        ({}, "休假中", MailStatus.AUTO_REPLY),
    ],
)
def test_auto_replies_are_kept_but_not_registered(world, mailbox, headers, subject, kind):
    row, created = receive(
        mailbox, raw(build(sender=OWNER, to=DESK, subject=subject, body="x", headers=headers))
    )
    assert created and row.status == kind and row.reason and row.case is None
    assert not Contact.objects.exists()


def test_a_message_saying_auto_submitted_no_is_registered(world, mailbox):
    row, _ = receive(
        mailbox,
        raw(build(sender=OWNER, to=DESK, subject="漏水", body="漏水", headers={"Auto-Submitted": "no"})),
    )
    assert row.status == MailStatus.REGISTERED


def test_bounces_are_not_registered(world, mailbox):
    report = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.home.test>\r\n"
        b"To: desk@ljy.test\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <bounce-1@mx.home.test>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\ncould not be delivered\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.home.test\r\n\r\n"
        b"--b--\r\n"
    )
    row, _ = receive(mailbox, report)
    assert row.status == MailStatus.BOUNCE and not Contact.objects.exists()

    plain = build(sender="postmaster@mx.home.test", to=DESK, subject="Delivery Status Notification", body="x")
    assert receive(mailbox, raw(plain))[0].status == MailStatus.BOUNCE


def test_our_own_mail_coming_back_is_not_registered(world, mailbox):
    row, _ = receive(mailbox, raw(build(sender=DESK, to=DESK, subject="测试", body="x")))
    assert row.status == MailStatus.OWN and not Contact.objects.exists()


def test_an_html_only_message_is_registered_as_its_text_without_markup(world, mailbox):
    html = (
        "<html><head><style>p{color:red}</style><title>t</title></head><body>"
        "<p>阳台<b>漏水</b>&amp;墙皮脱落</p><script>alert('x')</script><img src=x onerror=alert(1)>"
        "<div>请&nbsp;尽快</div></body></html>"
    )
    row, _ = receive(mailbox, raw(build(sender=OWNER, to=DESK, subject="阳台", html=html)))
    content = row.case.origin.content
    assert row.html_only and "阳台漏水&墙皮脱落" in content and "请 尽快" in content
    assert "<" not in content and "alert" not in content and "color" not in content


def test_attachments_are_checked_like_case_attachments(world, mailbox, settings):
    settings.SHOUWEN_ATTACHMENT_MAX_MB = 1
    big = PNG + b"\0" * (1024 * 1024)
    msg = build(
        sender=OWNER,
        to=DESK,
        subject="漏水照片",
        body="见附件",
        attachments=(
            ("a.png", PNG, "image/png"),
            ("fake.jpg", b"<?php system($_GET['c']); ?>", "image/jpeg"),  # the name and type lie
            ("big.png", big, "image/png"),
            ("plan.pdf", b"%PDF-1.4\n%...", "application/pdf"),
        ),
    )
    row, _ = receive(mailbox, raw(msg))
    case = row.case
    assert sorted(a.original_name for a in case.attachments.all()) == ["a.png", "plan.pdf"]
    refused = {a["name"]: a["reason"] for a in row.attachments if not a["saved"]}
    assert set(refused) == {"fake.jpg", "big.png"} and "1 MB" in refused["big.png"]
    assert "fake.jpg" in case.origin.content and "big.png" in case.origin.content


def test_an_unknown_sender_is_registered_without_a_resident_and_with_the_address_kept(world, mailbox):
    row, _ = receive(
        mailbox, raw(build(sender="路人 <passer@else.test>", to=DESK, subject="建议", body="建议多设垃圾桶"))
    )
    contact = row.contact
    assert contact.resident is None and contact.caller_name == "路人" and contact.category == "consultation"
    assert row.from_address == "passer@else.test"


def test_an_address_shared_by_two_residents_matches_neither(world, mailbox):
    tenant = world.residents["tenant"]
    tenant.email = OWNER
    tenant.save()
    row, _ = receive(mailbox, raw(build(sender=OWNER, to=DESK, subject="咨询", body="你好")))
    assert row.contact.resident is None


def test_an_answer_joins_the_case_by_references_even_without_in_reply_to(world, mailbox):
    first, _ = receive(mailbox, raw(build(sender=OWNER, to=DESK, subject="漏水", body="漏水")))
    answer = build(
        sender=OWNER, to=DESK, subject="又漏了", body="又漏了", headers={"References": first.message_id}
    )
    row, _ = receive(mailbox, raw(answer))
    assert row.status == MailStatus.JOINED and row.case == first.case
    assert Case.objects.count() == 1 and first.case.contacts.count() == 2


def test_the_subject_tag_threads_only_for_an_address_the_case_knows(world, mailbox):
    first, _ = receive(mailbox, raw(build(sender=OWNER, to=DESK, subject="漏水", body="漏水")))
    number = first.case.number
    from_owner = parsing.parse(raw(build(sender=OWNER, to=DESK, subject=f"补充 [{number}]", body="x")))
    assert thread_case(mailbox, from_owner) == first.case
    stranger = parsing.parse(
        raw(build(sender="x@else.test", to=DESK, subject=f"[{number}] 我也要说", body="x"))
    )
    assert thread_case(mailbox, stranger) is None
    other_estate = world.other_estate
    other_box = Mailbox.objects.create(
        estate=other_estate, address="desk@chy.test", imap_host="h", username="u", registrar=world.clerk
    )
    assert thread_case(other_box, from_owner) is None, "a number of another estate is not followed"


def test_an_answer_to_a_finished_case_opens_a_new_one_that_names_it(world, mailbox):
    first, _ = receive(mailbox, raw(build(sender=OWNER, to=DESK, subject="咨询", body="物业费")))
    Case.objects.filter(pk=first.case_id).update(status=CaseStatus.CLOSED, accountable=None)
    row, _ = receive(
        mailbox,
        raw(
            build(
                sender=OWNER,
                to=DESK,
                subject="Re: 咨询",
                body="还有问题",
                headers={"In-Reply-To": first.message_id},
            )
        ),
    )
    assert row.status == MailStatus.REGISTERED and row.case != first.case
    assert first.case.number in row.case.origin.content


def test_the_person_on_duty_at_the_desk_registers_when_the_desk_keeps_a_roster(world, mailbox):
    from datetime import timedelta

    from django.utils import timezone

    from shouwen.core.testing import PASSWORD
    from shouwen.directory.services import create_staff
    from shouwen.duty.models import RosterEntry
    from shouwen.duty.roster import shifts_of

    assert registrar_for(mailbox) == world.clerk
    colleague = create_staff(
        company=world.company,
        username="qiantai2",
        password=PASSWORD,
        name="吴敏",
        staff_no="LJ099",
        roles=["front_desk"],
        estates=[world.estate],
        department=world.clerk.department,
    )
    today = timezone.localdate()
    for day in (today - timedelta(days=1), today):  # the night shift of yesterday may still run
        for shift in shifts_of(world.estate):
            RosterEntry.objects.create(estate=world.estate, date=day, shift=shift, staff=colleague)
    assert registrar_for(mailbox) == colleague
    row, _ = receive(mailbox, raw(build(sender=OWNER, to=DESK, subject="咨询", body="你好")))
    assert row.case.first_contact == colleague and row.case.accountable == colleague
