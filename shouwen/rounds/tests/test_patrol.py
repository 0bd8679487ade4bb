"""Patrol daily report (巡视日报表): checkpoints, findings with photos, cases, late hand-in, the reading."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from shouwen.cases.models import CaseEvent, Channel
from shouwen.rounds import services
from shouwen.rounds.models import Checkpoint, PatrolItem, PatrolPhoto
from shouwen.rounds.tests.helpers import TUESDAY_16, TUESDAY_19, patrol_with_finding, photo


def test_every_estate_starts_with_the_default_checkpoints(world):
    names = list(Checkpoint.objects.filter(estate=world.estate).values_list("name", flat=True))
    assert names[:4] == ["大门岗", "车库", "电梯机房", "水泵房"]
    assert {"公共绿地", "楼道"} <= set(names)
    assert Checkpoint.objects.filter(estate=world.other_estate).count() == len(services.DEFAULT_CHECKPOINTS)


def test_a_finding_needing_action_becomes_a_public_area_case_with_its_photo(world):
    lift_room = Checkpoint.objects.get(estate=world.estate, name="电梯机房")
    lift_room.public_area = world.lift
    lift_room.save()
    with time_machine.travel(TUESDAY_16, tick=False):
        report = patrol_with_finding(world, checkpoint="电梯机房", text="机房温度过高，空调不制冷")
    assert not report.late
    assert report.read_at is None
    item = report.items.get(normal=False)
    case = item.case
    assert case is not None
    assert case.category == "public_repair"
    assert case.origin.channel == Channel.PATROL
    assert case.public_area == world.lift
    assert case.origin.location == "电梯机房"
    assert "机房温度过高" in case.summary
    # Through the intake services: the patrol is the first contact, accountable, deadlines running.
    assert case.first_contact == world.staff["cs_assistant"]
    assert case.accountable == world.staff["cs_assistant"]
    assert case.deadlines.filter(state="running").exists()
    assert case.attachments.count() == 1
    assert case.events.filter(kind=CaseEvent.Kind.ATTACHMENT).exists()
    assert PatrolPhoto.objects.filter(item=item).count() == 1
    assert report.items.filter(normal=True).count() == len(services.DEFAULT_CHECKPOINTS) - 1


def test_a_finding_without_action_can_become_a_case_later_once(world):
    report = patrol_with_finding(world, needs_action=False)
    item = report.items.get(normal=False)
    assert item.case is None
    case = services.finding_to_case(world.staff["cs_assistant"], item)
    item.refresh_from_db()
    assert item.case == case
    assert case.attachments.count() == 1
    with pytest.raises(ValidationError, match=case.number):
        services.finding_to_case(world.supervisor, item)


def test_a_report_after_the_end_of_the_shift_is_late(world):
    with time_machine.travel(TUESDAY_19, tick=False):
        report = patrol_with_finding(world)
    assert report.late
    assert report.due_at.hour == 17 and report.due_at.minute == 30


def test_summer_shift_ends_at_six():
    from datetime import date

    assert services.shift_end(date(2026, 7, 1)).hour == 18
    assert services.shift_end(date(2026, 12, 1)).hour == 17


def test_a_report_is_refused_without_every_checkpoint_or_with_a_finding_without_text(world):
    checkpoints = list(services.active_checkpoints(world.estate))
    staff = world.staff["cs_assistant"]
    with pytest.raises(ValidationError) as missing:
        services.submit_report(staff, world.estate, [services.ItemInput(checkpoint=checkpoints[0])])
    assert "items" in missing.value.message_dict
    items = [services.ItemInput(checkpoint=cp, normal=cp != checkpoints[1]) for cp in checkpoints]
    with pytest.raises(ValidationError, match="发现问题时请填写问题描述"):
        services.submit_report(staff, world.estate, items)
    assert not PatrolItem.objects.exists()


def test_a_disguised_file_is_refused(world):
    with pytest.raises(ValidationError, match="只能上传图片"):
        staff = world.staff["cs_assistant"]
        items = [
            services.ItemInput(
                checkpoint=cp,
                normal=i != 0,
                finding="大门道闸抬杆失灵" if i == 0 else "",
                photos=(photo("a.png", b"MZ\x90\x00 not an image"),) if i == 0 else (),
            )
            for i, cp in enumerate(services.active_checkpoints(world.estate))
        ]
        services.submit_report(staff, world.estate, items)


def test_one_report_per_person_and_day(world):
    patrol_with_finding(world)
    with pytest.raises(ValidationError, match="已提交过"):
        patrol_with_finding(world)


def test_who_may_hand_in_and_read(world):
    with pytest.raises(PermissionDenied):
        patrol_with_finding(world, world.technician)
    with pytest.raises(PermissionDenied):
        patrol_with_finding(world, world.staff["other_technician"])
    report = patrol_with_finding(world)
    with pytest.raises(PermissionDenied):
        services.mark_read(world.staff["cs_assistant"], report)
    assert list(services.unread_reports(world.supervisor.user)) == [report]
    services.mark_read(world.supervisor, report)
    report.refresh_from_db()
    assert report.read_by == world.supervisor and report.read_at is not None
    assert not services.unread_reports(world.supervisor.user).exists()
    with pytest.raises(ValidationError, match="李强"):
        services.mark_read(world.staff["office_director"], report)


def test_a_photo_added_later_also_goes_to_the_case(world):
    report = patrol_with_finding(world, photos=0)
    item = report.items.get(normal=False)
    services.add_photo(world.staff["cs_assistant"], item, photo())
    assert item.photos.count() == 1
    assert item.case is not None and item.case.attachments.count() == 1
