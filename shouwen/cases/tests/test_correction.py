"""Correcting a registration: before → after in the timeline, deadlines recomputed; second registrations
of one matter warned about; the receipt promises a time."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import override

from shouwen.cases import services
from shouwen.cases.transitions import CaseActionDenied
from shouwen.notifications.models import Notification

SH = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)


def due(case, kind):
    return case.deadlines.get(kind=kind, state="running").due_at


def ungraded_complaint(world):
    return world.register(category="complaint", severity="", content="楼上装修噪音，晚上十点还在施工")


@time_machine.travel(MONDAY_9, tick=False)
def test_grading_a_complaint_afterwards_changes_its_deadline_and_leaves_before_and_after(world):
    case = ungraded_complaint(world)
    assert due(case, "resolution") == datetime(2026, 3, 3, 0, 0, tzinfo=SH)  # ungraded: the same day
    services.correct_registration(
        world.clerk, case, category="complaint", severity="major", reason="漏登投诉等级"
    )
    # Graded major: solved in 10 days and answered in 2, both from reception.
    assert due(case, "resolution") == datetime(2026, 3, 13, 0, 0, tzinfo=SH)
    assert due(case, "first_answer") == datetime(2026, 3, 5, 0, 0, tzinfo=SH)
    entry = case.events.get(kind="corrected")
    assert "投诉等级：— → 重大" in entry.text and "漏登投诉等级" in entry.text
    assert entry.actor == world.clerk and entry.data["changes"] == {"severity": ["", "major"]}
    assert Notification.objects.filter(case=case, recipient=world.staff["office_director"]).exists()


@time_machine.travel(MONDAY_9, tick=False)
def test_a_repair_corrected_to_emergency_is_timed_in_minutes_and_told_at_once(world):
    case = world.register(category="household_repair", content="卫生间有点异响", resident=None, unit=None)
    assert case.urgency == "normal"
    services.correct_registration(world.clerk, case, category="household_repair", urgency="emergency")
    assert due(case, "on_site") == MONDAY_9 + timedelta(minutes=30)
    assert Notification.objects.filter(case=case, recipient=world.technician, urgent=True).exists()
    entry = case.events.get(kind="corrected")
    assert "紧急程度：一般 → 紧急" in entry.text
    with override("en"):  # an English reader sees the field and the labels in English
        assert "Urgency: Normal → Emergency" in entry.shown_text, entry.shown_text


def test_place_phone_category_and_requested_date_are_corrected(world):
    case = ungraded_complaint(world)
    area = world.lift
    services.correct_registration(
        world.supervisor,
        case,
        category="public_repair",
        unit=None,
        public_area=area,
        caller_phone="139-0000-1111",
        requested_due=datetime(2026, 12, 31).date(),
    )
    case.refresh_from_db()
    case.origin.refresh_from_db()
    assert (case.category, case.unit, case.public_area) == ("public_repair", None, area)
    assert case.origin.caller_phone == "13900001111" and str(case.requested_due) == "2026-12-31"
    assert case.urgency and case.repair_type  # a repair now: proposed from the words
    text = case.events.get(kind="corrected").text
    assert "类别：投诉 → 公共维修" in text and "房屋：3栋2单元1502 → —" in text
    assert "联系电话：138****5678 → 139****1111" in text and "13900001111" not in text


def test_only_the_holder_or_a_supervisor_corrects_an_active_case_and_something_must_change(world):
    case = ungraded_complaint(world)
    with pytest.raises(CaseActionDenied):
        services.correct_registration(world.technician, case, category="complaint", severity="minor")
    with pytest.raises(ValidationError) as nothing:
        services.correct_registration(world.clerk, case, category="complaint", unit=case.unit)
    assert "没有需要更正的内容" in str(nothing.value)
    with pytest.raises(ValidationError) as bad:
        services.correct_registration(world.clerk, case, category="complaint", urgency="asap")
    assert "urgency" in bad.value.message_dict
    services.void_case(world.supervisor, case, reason="重复登记")
    with pytest.raises(CaseActionDenied):
        services.correct_registration(world.supervisor, case, category="complaint", severity="minor")


def test_the_case_page_offers_the_correction_to_the_holder(world, client_for):
    case = ungraded_complaint(world)
    client = client_for(world.clerk)
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "更正登记" in page
    client.post(
        reverse("cases:act", args=[case.number, "correct"]),
        {"category": "complaint", "severity": "important", "unit_text": "3-2-1502", "caller_phone": ""},
    )
    case.refresh_from_db()
    assert case.severity == "important" and case.unit == world.units["3-2-1502"]
    assert case.origin.caller_phone == "13812345678"  # left empty: kept


def test_a_second_registration_of_the_same_matter_is_warned_about_not_refused(world, client_for, api_for):
    first = world.register(category="household_repair", content="厨房水龙头漏水")
    client = client_for(world.clerk)
    response = client.post(
        reverse("cases:intake"),
        {
            "token": "t-dup-1",
            "estate": world.estate.pk,
            "channel": "phone",
            "category": "household_repair",
            "content": "厨房漏水，楼下也渗水了",
            "caller_phone": "13812345678",
            "unit_text": "3-2-1502",
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "请确认是否重复登记" in page and first.number in page
    second = response.context["case"]
    assert second.pk != first.pk
    body = api_for(world.clerk).get(f"/api/v1/cases/{second.number}/").json()
    assert body["possible_duplicates"] == [first.number]
    other = world.register(category="complaint", content="楼上噪音")
    assert api_for(world.clerk).get(f"/api/v1/cases/{other.number}/").json()["possible_duplicates"] == []


def test_no_warning_an_hour_later(world):
    with time_machine.travel(MONDAY_9, tick=False):
        world.register(category="household_repair", content="厨房水龙头漏水")
    with time_machine.travel(MONDAY_9 + timedelta(hours=1, minutes=5), tick=False):
        later = world.register(category="household_repair", content="厨房水龙头又漏水")
    assert not services.possible_duplicates(later).exists()


@time_machine.travel(MONDAY_9, tick=False)
def test_the_receipt_and_its_text_message_promise_an_answer_time(world, client_for, api_for):
    case = world.register(category="complaint", severity="major", content="物业费账单有误")
    text = services.receipt_text(case)
    assert "我们将在 2026-03-04 24:00 前给您答复" in text  # 2 days from reception
    page = client_for(world.clerk).get(reverse("cases:receipt", args=[case.number])).content.decode()
    assert 'id="promised"' in page and "2026-03-04 24:00" in page
    assert (
        api_for(world.clerk)
        .get(f"/api/v1/cases/{case.number}/")
        .json()["promised_at"]
        .startswith("2026-03-05T00:00")
    )


def test_a_unit_is_corrected_as_people_type_it_and_an_unknown_one_is_refused(world):
    case = ungraded_complaint(world)
    with pytest.raises(ValidationError) as unknown:
        services.correct_registration(world.clerk, case, unit_text="99-9-9999")
    assert "unit_text" in unknown.value.message_dict
    services.correct_registration(world.clerk, case, unit_text="")
    case.refresh_from_db()
    assert case.unit is None and "房屋：3栋2单元1502 → —" in case.events.get(kind="corrected").text
