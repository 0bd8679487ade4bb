"""Shift handover: the generated sheet, marking, acceptance passing the marked cases, the late alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from shouwen.cases import services as case_services
from shouwen.cases.lib import CaseConflict
from shouwen.duty import services
from shouwen.duty.models import EquipmentItem, HandoverSheet, ShiftKind
from shouwen.duty.tests.helpers import day_of, roster, shift_ending
from shouwen.notifications.models import Notification
from shouwen.sla.models import Deadline

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_shift(world):
    """The clerk's day shift ends in five minutes; the assistant takes over."""
    ends = timezone.now() + timedelta(minutes=5)
    shift_ending(world, ShiftKind.DAY, ends)
    EquipmentItem.objects.create(estate=world.estate, name="对讲机", quantity=2)
    EquipmentItem.objects.create(estate=world.estate, name="万能钥匙", quantity=1)
    return roster(world, world.clerk, ShiftKind.DAY, day_of(ends))


def test_the_sheet_lists_open_cases_pending_handovers_and_equipment(world, day_shift):
    mine = world.register(content="3栋电梯按钮失灵")
    given = world.register(category="household_repair", content="卫生间漏水")
    case_services.hand_over(world.clerk, given, to_department=world.departments["engineering"], note="请修")
    theirs = world.register(world.supervisor, content="小区门禁卡丢失补办")
    case_services.hand_over(world.supervisor, theirs, to_staff=world.clerk, note="请跟进")
    sheet = services.create_sheet(world.clerk, incoming=world.staff["cs_assistant"], estate=world.estate)
    lines = {line.case.number: line for line in sheet.cases.select_related("case")}
    assert lines[mine.number].section == "held" and lines[mine.number].pass_on  # no next shift: passes
    assert lines[given.number].section == "pending_out" and not lines[given.number].pass_on
    assert lines[theirs.number].section == "pending_in"
    assert [(e.name, e.expected, e.present) for e in sheet.equipment.all()] == [
        ("对讲机", 2, 2),
        ("万能钥匙", 1, 1),
    ]
    assert Notification.objects.filter(recipient=world.staff["cs_assistant"], url__contains="/duty/").exists()


def test_by_default_only_what_is_due_before_the_outgoing_clerks_next_shift_passes(world, day_shift):
    soon = world.register(content="投诉噪音")
    later = world.register(content="咨询停车位")
    Deadline.objects.filter(case=later).update(due_at=timezone.now() + timedelta(days=5))
    Deadline.objects.filter(case=soon).update(due_at=timezone.now() + timedelta(hours=2))
    roster(world, world.clerk, ShiftKind.DAY, day_shift.date + timedelta(days=1))
    sheet = services.create_sheet(world.clerk, incoming=world.staff["cs_assistant"], estate=world.estate)
    marks = {line.case_id: line.pass_on for line in sheet.cases.all()}
    assert marks == {soon.pk: True, later.pk: False}


def test_accepting_passes_the_marked_cases_at_that_moment_and_keeps_the_rest(world, day_shift):
    a = world.register(content="投诉噪音")
    b = world.register(content="咨询停车位")
    incoming = world.staff["cs_assistant"]
    sheet = services.create_sheet(world.clerk, incoming=incoming, estate=world.estate)
    services.mark_sheet(world.clerk, sheet, pass_on=[a.pk], notes="a 需今晚回电")
    a.refresh_from_db()
    assert a.accountable == world.clerk  # until the incoming person accepts
    with pytest.raises(PermissionDenied):
        services.accept_sheet(world.supervisor, sheet)
    services.accept_sheet(incoming, sheet)
    a.refresh_from_db()
    b.refresh_from_db()
    sheet.refresh_from_db()
    assert a.accountable == incoming and b.accountable == world.clerk
    assert sheet.status == "accepted" and sheet.accepted_at is not None
    assert list(a.events.values_list("kind", flat=True))[-2:] == ["handover", "handover_accepted"]
    assert a.responsibilities.get(ended_at__isnull=True).started_at >= sheet.accepted_at - timedelta(
        seconds=1
    )
    assert Notification.objects.filter(recipient=incoming, case=a, kind="handover").exists()
    with pytest.raises(CaseConflict):
        services.mark_sheet(world.clerk, sheet, notes="改")


def test_equipment_must_be_counted_over_in_full(world, day_shift):
    EquipmentItem.objects.update(quantity=2)
    sheet = services.create_sheet(world.clerk, incoming=world.staff["cs_assistant"], estate=world.estate)
    radio = sheet.equipment.get(name="对讲机")
    with pytest.raises(ValidationError, match="合计应为 2"):
        services.mark_sheet(
            world.clerk, sheet, equipment=[{"id": radio.pk, "present": 1, "lent": 0, "missing": 0}]
        )
    services.mark_sheet(
        world.clerk,
        sheet,
        equipment=[{"id": radio.pk, "present": 1, "lent": 1, "missing": 0, "note": "借给保安"}],
    )
    radio.refresh_from_db()
    assert (radio.present, radio.lent, radio.note) == (1, 1, "借给保安")


def test_a_sheet_needs_a_shift_and_another_person(world):
    with pytest.raises(ValidationError, match="没有在该小区值班"):
        services.create_sheet(world.clerk, incoming=world.staff["cs_assistant"], estate=world.estate)
    roster(world, world.clerk, ShiftKind.DAY)
    services.shifts_of(world.estate)
    with pytest.raises(ValidationError):
        services.create_sheet(
            world.clerk, incoming=world.clerk, estate=world.estate, entry=world.clerk.roster.get()
        )


def test_left_over_counts_cases_whose_deadline_fell_in_the_shift_unmet(world, day_shift):
    start, end = services.entry_window(day_shift)
    inside = world.register(content="投诉噪音")
    outside = world.register(content="咨询停车位")
    Deadline.objects.filter(case=inside, kind="resolution").update(due_at=start + timedelta(hours=1))
    Deadline.objects.filter(case=outside).update(due_at=end + timedelta(days=2))
    sheet = services.create_sheet(world.clerk, incoming=world.staff["cs_assistant"], estate=world.estate)
    assert sheet.left_over == 1


def test_an_unaccepted_sheet_alerts_the_supervisor_once_after_the_configured_time(world):
    ends = timezone.now() - timedelta(minutes=20)
    shift_ending(world, ShiftKind.DAY, ends, accept_within=30)
    roster(world, world.clerk, ShiftKind.DAY, day_of(ends))
    case = world.register(content="投诉噪音")
    sheet = services.create_sheet(world.clerk, incoming=world.staff["cs_assistant"], estate=world.estate)
    assert services.sweep_unaccepted_sheets() == {"sheets_alerted": 0}
    later = timezone.now() + timedelta(minutes=11)
    assert services.sweep_unaccepted_sheets(later) == {"sheets_alerted": 1}
    assert services.sweep_unaccepted_sheets(later) == {"sheets_alerted": 0}
    alert = Notification.objects.get(recipient=world.supervisor, title__startswith="交接班未确认")
    assert alert.url == reverse("duty:sheet", args=[sheet.pk])
    case.refresh_from_db()
    assert case.accountable == world.clerk


def test_sheet_pages_for_outgoing_incoming_and_others(world, day_shift, client_for):
    case = world.register(content="投诉噪音")
    incoming = world.staff["cs_assistant"]
    client = client_for(world.clerk)
    answer = client.post(
        reverse("duty:sheets"), {"estate": world.estate.pk, "incoming": incoming.pk, "notes": ""}
    )
    sheet = HandoverSheet.objects.get()
    assert answer["Location"] == reverse("duty:sheet", args=[sheet.pk])
    page = client.get(answer["Location"]).content.decode()
    assert case.number in page and 'id="sheet-save"' in page and 'id="sheet-accept"' not in page
    client.post(answer["Location"], {"do": "mark", "notes": "无"})  # nothing ticked: nothing passes
    assert client_for(world.staff["technician"]).get(answer["Location"]).status_code == 404
    client = client_for(incoming)
    assert 'id="sheet-accept"' in client.get(answer["Location"]).content.decode()
    client.post(answer["Location"], {"do": "accept"})
    sheet.refresh_from_db()
    case.refresh_from_db()
    assert sheet.status == "accepted" and case.accountable == world.clerk
