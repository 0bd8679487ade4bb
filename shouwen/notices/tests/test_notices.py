"""The rules of notices: audience, publishing, reading, the text messages, withdrawing, the board."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from shouwen.core.models import Lease
from shouwen.core.tests.reliability.helpers import PNG
from shouwen.directory.models import Resident
from shouwen.notices import services
from shouwen.notices.models import (
    Audience,
    BoardReminder,
    EventKind,
    NoticeHousehold,
    NoticeSms,
    NoticeStatus,
    ReadVia,
    SmsStatus,
)
from shouwen.notices.tests.helpers import DAYTIME, MORNING, NIGHT, RecordingBackend, draft, make_town
from shouwen.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(world):
    return make_town(world)


@pytest.fixture
def gateway(settings):
    settings.SHOUWEN_SMS_BACKEND = "shouwen.notices.tests.helpers.RecordingBackend"
    settings.SHOUWEN_QUIET_HOURS = "22:00-07:00"
    RecordingBackend.sent = []
    RecordingBackend.fail_next = 0
    return RecordingBackend


def _units(notice):
    return {
        f"{h.unit.building.code}-{h.unit.entrance}-{h.unit.number}"
        for h in NoticeHousehold.objects.filter(notice=notice).select_related("unit__building")
    }


# ---------------------------------------------------------------- audience


def test_the_whole_estate_reaches_its_occupied_homes_and_no_empty_flat_or_parking_space(town):
    world = town.world
    notice = draft(world)
    done = services.publish(world.supervisor, notice, now=DAYTIME)
    assert done.households == 4
    assert _units(notice) == {"3-2-1502", "3-1-0801", "5-1-101", "5-1-102"}
    assert not NoticeHousehold.objects.filter(
        notice=notice, unit__building__estate=world.other_estate
    ).exists()


def test_some_buildings_or_some_units(town):
    world = town.world
    by_building = draft(world, audience=Audience.BUILDINGS, buildings=(town.b5,))
    assert services.publish(world.supervisor, by_building, now=DAYTIME).households == 2
    assert _units(by_building) == {"5-1-101", "5-1-102"}
    by_unit = draft(world, audience=Audience.UNITS, units=(town.units["3-2-1502"], town.units["5-1-103"]))
    assert services.publish(world.supervisor, by_unit, now=DAYTIME).households == 1
    assert _units(by_unit) == {"3-2-1502"}
    assert services.audience_label(by_unit) == "3栋2单元1502、5栋1单元103"


def test_audience_must_be_of_the_notice_estate_and_not_empty(town):
    world = town.world
    with pytest.raises(ValidationError) as err:
        draft(world, audience=Audience.UNITS, units=(world.units["other-1-101"],))
    assert "units" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        draft(world, audience=Audience.BUILDINGS)
    assert "buildings" in err.value.message_dict


# ---------------------------------------------------------------- who may do what


def test_a_clerk_drafts_the_supervisor_publishes_and_nobody_deletes(town):
    world = town.world
    notice = draft(world)
    with pytest.raises(PermissionDenied):
        services.publish(world.staff["cs_assistant"], notice, now=DAYTIME)
    with pytest.raises(PermissionDenied):
        draft_by_technician = services.NoticeInput(title="x", body="y", valid_from=DAYTIME.date())
        services.create_draft(world.technician, world.estate, draft_by_technician)
    services.publish(world.supervisor, notice, now=DAYTIME)
    notice.refresh_from_db()
    assert notice.published_by == world.supervisor and notice.published_at == DAYTIME
    with pytest.raises(ValidationError):
        services.update_draft(
            world.staff["cs_assistant"], notice, services.NoticeInput("改", "改", DAYTIME.date())
        )
    with pytest.raises(PermissionDenied):
        services.withdraw(world.staff["cs_assistant"], notice, reason="写错了")
    with pytest.raises(ValidationError):
        services.withdraw(world.supervisor, notice, reason=" ")
    services.withdraw(world.supervisor, notice, reason="日期写错，重新发布")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.WITHDRAWN and notice.withdrawn_by == world.supervisor
    assert list(notice.events.values_list("kind", flat=True)) == [
        EventKind.CREATED,
        EventKind.PUBLISHED,
        EventKind.WITHDRAWN,
    ]
    assert NoticeHousehold.objects.filter(notice=notice).count() == 4  # the record stays


def test_an_edit_keeps_what_the_draft_said_before(town):
    world = town.world
    notice = draft(world, title="停水通知")
    services.update_draft(
        world.staff["front_desk"],
        notice,
        services.NoticeInput(
            title="停水通知（更正）", body="改为 12 月 6 日停水。", valid_from=DAYTIME.date()
        ),
    )
    edit = notice.events.get(kind=EventKind.EDITED)
    assert edit.by == world.staff["front_desk"] and edit.before["title"] == "停水通知"


def test_attachments_are_checked_like_case_attachments(town):
    world = town.world
    notice = draft(world)
    clerk = world.staff["cs_assistant"]
    added = services.add_attachment(
        clerk, notice, SimpleUploadedFile("图.png", PNG, content_type="image/png")
    )
    assert added.content_type == "image/png" and added.file.name.endswith(".png")
    with pytest.raises(ValidationError):
        services.add_attachment(
            clerk, notice, SimpleUploadedFile("a.pdf", b"MZ\x90\x00evil", content_type="application/pdf")
        )


# ---------------------------------------------------------------- reading


def test_read_tracking_counts_match_a_hand_count(town):
    world = town.world
    notice = draft(world)
    services.publish(world.supervisor, notice, now=DAYTIME)
    zhang, li = world.residents["owner"], world.residents["tenant"]
    assert services.mark_read(notice, zhang, now=DAYTIME) == 1  # 3-2-1502 (his parking space is no household)
    assert (
        services.mark_read(notice, zhang, now=DAYTIME + timedelta(hours=1)) == 0
    )  # the first reading counts
    assert services.mark_read(notice, li, now=DAYTIME) == 1
    assert services.mark_read(notice, world.residents["other_owner"], now=DAYTIME) == 0  # another estate
    row = services.with_counts(type(notice).objects.filter(pk=notice.pk)).get()
    assert (row.reached, row.read, row.unread) == (4, 2, 2)
    first = NoticeHousehold.objects.get(notice=notice, unit=world.units["3-2-1502"])
    assert first.read_at == DAYTIME and first.read_by == zhang and first.read_via == ReadVia.PORTAL
    unread = services.unread_households(notice)
    assert [r.label for r in unread] == ["5栋1单元101", "5栋1单元102"]
    assert [[p.name for p in r.residents] for r in unread] == [["王五"], ["赵六"]]


def test_the_residents_board_shows_current_notices_for_their_homes(town):
    world = town.world
    for_b5 = draft(world, audience=Audience.BUILDINGS, buildings=(town.b5,), title="5栋电梯检修")
    whole = draft(world, title="停水通知")
    unpublished = draft(world, title="草稿")
    services.publish(world.supervisor, for_b5, now=DAYTIME)
    services.publish(world.supervisor, whole, now=DAYTIME)
    day = DAYTIME.date()
    assert set(services.notices_for_resident(world.residents["owner"], day)) == {whole}
    assert set(services.notices_for_resident(town.residents["zhao"], day)) == {for_b5, whole}
    assert unpublished not in services.notices_for_resident(town.residents["zhao"], day)
    assert (
        list(services.notices_for_resident(town.residents["zhao"], day + timedelta(days=3))) == []
    )  # expired
    assert services.mark_read(for_b5, world.residents["owner"], now=DAYTIME) == 0  # not his notice


# ---------------------------------------------------------------- text messages


def test_sms_broadcast_skips_the_opted_out_resident_and_landlines(town, gateway):
    world = town.world
    notice = draft(world, sms=True, sms_text="12月5日9-17点停水，请提前储水。")
    done = services.publish(world.supervisor, notice, now=DAYTIME)
    assert (done.messages, done.opted_out) == (4, 1)
    counts = services.deliver_notice_sms(now=DAYTIME)
    assert counts["sms_sent"] == 4
    phones = sorted(p for p, _t in gateway.sent)
    assert phones == ["13600000002", "13600000003", "13812345678", "13900001111"]
    assert "13600000001" not in phones  # 王五 opted out
    text = gateway.sent[0][1]
    assert text.startswith("【丽景园】12月5日9-17点停水") and "/r/notices/s/" in text
    assert len(text) <= 300


def test_the_signed_link_opens_the_notice_and_counts_the_household_as_read(town, gateway, client):
    world = town.world
    notice = draft(world, sms=True, sms_text="停水通知，详见链接")
    services.publish(world.supervisor, notice, now=DAYTIME)
    services.deliver_notice_sms(now=DAYTIME)
    phone, text = next((p, t) for p, t in gateway.sent if p == "13900001111")
    path = text[text.index("/r/notices/s/") :]
    response = client.get(path)  # no sign-in
    assert response.status_code == 200 and "停水通知" in response.content.decode()
    household = NoticeHousehold.objects.get(notice=notice, unit=world.units["3-1-0801"])
    assert household.read_via == ReadVia.LINK and household.read_by == world.residents["tenant"]
    assert client.get(path[:-3] + "xx/").status_code == 404  # a forged signature
    services.withdraw(world.supervisor, notice, reason="取消停水")
    assert client.get(path).status_code == 404


def test_quiet_hours_hold_messages_until_morning(town, gateway):
    world = town.world
    notice = draft(world, sms=True, sms_text="明日停水")
    services.publish(world.supervisor, notice, now=NIGHT)
    assert set(NoticeSms.objects.values_list("status", flat=True)) == {SmsStatus.HELD}
    assert services.deliver_notice_sms(now=NIGHT + timedelta(minutes=5))["sms_sent"] == 0
    assert services.deliver_notice_sms(now=MORNING - timedelta(minutes=1))["sms_sent"] == 0
    assert gateway.sent == []
    assert services.deliver_notice_sms(now=MORNING)["sms_sent"] == 4


def test_never_twice_to_one_phone_for_one_notice(town, gateway):
    world = town.world
    notice = draft(world, sms=True, sms_text="明日停水")
    services.publish(world.supervisor, notice, now=DAYTIME)
    # A worker claimed one and died mid-send: after the stale time it is failed, never sent again.
    stuck = NoticeSms.objects.order_by("pk").first()
    NoticeSms.objects.filter(pk=stuck.pk).update(status=SmsStatus.SENDING, claimed_at=DAYTIME)
    services.deliver_notice_sms(now=DAYTIME)
    services.deliver_notice_sms(now=DAYTIME + timedelta(minutes=1))  # another run: nothing due
    services.deliver_notice_sms(now=DAYTIME + timedelta(minutes=20))
    phones = [p for p, _t in gateway.sent]
    assert len(phones) == len(set(phones)) == 3
    stuck.refresh_from_db()
    assert stuck.status == SmsStatus.FAILED and stuck.phone not in phones
    # Queuing again (a retried publish) cannot add a second row for a number.
    households = list(NoticeHousehold.objects.filter(notice=notice))
    services._queue_messages(notice, households, DAYTIME)
    assert NoticeSms.objects.filter(notice=notice).count() == 4


def test_a_gateway_error_is_retried_later_and_sent_once(town, gateway):
    world = town.world
    notice = draft(
        world, audience=Audience.UNITS, units=(world.units["3-1-0801"],), sms=True, sms_text="停水"
    )
    services.publish(world.supervisor, notice, now=DAYTIME)
    gateway.fail_next = 1
    assert services.deliver_notice_sms(now=DAYTIME)["sms_retrying"] == 1
    assert services.deliver_notice_sms(now=DAYTIME + timedelta(minutes=2))["sms_sent"] == 1
    assert services.deliver_notice_sms(now=DAYTIME + timedelta(minutes=5))["sms_sent"] == 0
    assert [p for p, _t in gateway.sent] == ["13900001111"]


def test_messages_are_throttled_per_minute_across_workers(town, gateway, settings):
    settings.SHOUWEN_NOTICE_SMS_PER_MINUTE = 3
    world = town.world
    notice = draft(world, sms=True, sms_text="停水")
    services.publish(world.supervisor, notice, now=DAYTIME)
    assert services.deliver_notice_sms(now=DAYTIME)["sms_sent"] == 3
    # Another worker in the same minute: the minute's lease is taken, nothing more goes out.
    Lease.objects.filter(name=services.SMS_LEASE).update(holder="other-host:1")
    assert services.deliver_notice_sms(now=DAYTIME + timedelta(seconds=30))["sms_sent"] == 0
    assert services.deliver_notice_sms(now=DAYTIME + timedelta(minutes=2))["sms_sent"] == 1
    assert len(gateway.sent) == 4


def test_withdrawing_cancels_messages_not_yet_sent(town, gateway):
    world = town.world
    notice = draft(world, sms=True, sms_text="停水")
    services.publish(world.supervisor, notice, now=NIGHT)
    services.withdraw(world.supervisor, notice, reason="管网已修好，不停水")
    assert set(NoticeSms.objects.values_list("status", flat=True)) == {SmsStatus.CANCELLED}
    assert services.deliver_notice_sms(now=MORNING)["sms_sent"] == 0
    assert gateway.sent == []


def test_the_text_is_checked_against_the_sms_limit(town, settings):
    world = town.world
    with pytest.raises(ValidationError) as err:
        draft(world, sms=True, sms_text="停" * 300)
    message = err.value.message_dict["sms_text"][0]
    assert "超过上限 300 字" in message and "删减" in message
    with pytest.raises(ValidationError) as err:
        draft(world, sms=True, sms_text="  ")
    assert "sms_text" in err.value.message_dict
    room = services.sms_room(world.estate)
    draft(world, sms=True, sms_text="停" * room)  # exactly at the limit is fine
    with pytest.raises(ValidationError):
        draft(world, sms=True, sms_text="停" * (room + 1))


def test_staff_set_and_clear_a_residents_opt_out_attributably(town):
    world = town.world
    zhao = town.residents["zhao"]
    services.set_sms_opt_out(world.staff["cs_assistant"], zhao, True)
    zhao.refresh_from_db()
    assert zhao.notice_sms_opt_out is True
    assert zhao.history.first().history_user == world.staff["cs_assistant"].user
    with pytest.raises(PermissionDenied):
        services.set_sms_opt_out(world.technician, zhao, False)
    with pytest.raises(PermissionDenied):  # a clerk of LJY for a resident of CHY
        services.set_sms_opt_out(world.staff["cs_assistant"], world.residents["other_owner"], True)
    notice = draft(world, sms=True, sms_text="停水")
    services.publish(world.supervisor, notice, now=DAYTIME)
    assert not NoticeSms.objects.filter(phone__startswith="136").exists()
    assert Resident.objects.get(pk=zhao.pk).notice_sms_opt_out


# ---------------------------------------------------------------- the bulletin board


def test_the_board_reminder_goes_once_after_two_weeks(town):
    world = town.world
    assert services.remind_stale_boards(now=DAYTIME) == {
        "boards_reminded": 0
    }  # never recorded: not kept here
    services.renew_board(world.staff["cs_assistant"], world.estate, note="停水通知、防火宣传", now=DAYTIME)
    assert services.remind_stale_boards(now=DAYTIME + timedelta(days=13, hours=23)) == {"boards_reminded": 0}
    later = DAYTIME + timedelta(days=14)
    assert services.remind_stale_boards(now=later) == {"boards_reminded": 1}
    assert services.remind_stale_boards(now=later + timedelta(minutes=1)) == {"boards_reminded": 0}
    assert services.remind_stale_boards(now=later + timedelta(days=3)) == {"boards_reminded": 0}
    note = Notification.objects.get(recipient=world.supervisor, url="/notices/board/")
    assert "宣传栏已 14 天未更换" in note.title
    assert BoardReminder.objects.count() == 1
    # Renewed again: the next lapse reminds again, once.
    services.renew_board(world.staff["front_desk"], world.estate, now=later + timedelta(days=4))
    assert services.remind_stale_boards(now=later + timedelta(days=18)) == {"boards_reminded": 1}
    assert services.remind_stale_boards(now=later + timedelta(days=19)) == {"boards_reminded": 0}


def test_board_status_shows_late_boards(town):
    world = town.world
    services.renew_board(world.staff["cs_assistant"], world.estate, now=DAYTIME - timedelta(days=15))
    rows = {r.estate.code: r for r in services.board_status(world.supervisor.user, now=DAYTIME)}
    assert rows["LJY"].late and rows["LJY"].last is not None
    assert set(rows) == {"LJY"}
    with pytest.raises(PermissionDenied):
        services.renew_board(world.technician, world.estate)
