"""Attack 9: a contact's reception time without bounds.

``received_at`` of 1900-01-02 or 2099-12-31 was accepted and made case numbers in those years. A
letter or a night-log entry registered a few days late is normal; the service accepts a time up
to a few minutes ahead of its clock and back to the configured window (31 days), and refuses the
rest at the field, on the page and in the API alike.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from shouwen.cases.models import Case, CaseCounter, Contact

SH = ZoneInfo("Asia/Shanghai")
ATTACK_TIMES = [datetime(1900, 1, 2, 10, 0, tzinfo=SH), datetime(2099, 12, 31, 10, 0, tzinfo=SH)]


def letter(world, received_at):
    return world.contact(
        channel="letter",
        content="来函反映小区绿化长期无人修剪",
        caller_name="",
        caller_phone="",
        unit=None,
        received_at=received_at,
    )


def nothing_was_registered() -> bool:
    return not Contact.objects.exists() and not Case.objects.exists() and not CaseCounter.objects.exists()


@pytest.mark.parametrize("when", ATTACK_TIMES, ids=["1900", "2099"])
def test_the_service_refuses_the_time_at_its_field(world, when):
    with pytest.raises(ValidationError) as refused:
        letter(world, when)
    assert list(refused.value.message_dict) == ["received_at"]
    assert nothing_was_registered()


@pytest.mark.parametrize("when", ["1900-01-02T10:00", "2099-12-31T10:00"], ids=["1900", "2099"])
def test_the_intake_page_shows_the_error_at_the_field(world, client_for, when):
    response = client_for(world.clerk).post(
        "/cases/intake/",
        {
            "token": uuid.uuid4().hex,
            "estate": world.estate.pk,
            "channel": "letter",
            "category": "complaint",
            "content": "来函反映小区绿化长期无人修剪",
            "received_at": when,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["received_at"]
    assert nothing_was_registered()


@pytest.mark.parametrize(
    "when", ["1900-01-02T10:00:00+08:00", "2099-12-31T10:00:00+08:00"], ids=["1900", "2099"]
)
@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/contacts/"])
def test_the_api_answers_400_at_the_field(world, api_for, when, path):
    body = {
        "estate": world.estate.pk,
        "channel": "letter",
        "category": "complaint",
        "content": "来函反映小区绿化长期无人修剪",
        "received_at": when,
    }
    response = api_for(world.clerk).post(path, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["received_at"]
    assert nothing_was_registered()


def test_a_letter_received_ten_days_ago_is_registered_under_that_day(world):
    received = timezone.now() - timedelta(days=10)
    case = letter(world, received).case
    assert case.origin.received_at == received
    assert case.number == f"LJY-{timezone.localtime(received):%Y%m%d}-0001"


def test_a_few_minutes_of_clock_difference_are_accepted_more_are_not(world):
    assert letter(world, timezone.now() + timedelta(minutes=3)).case is not None
    with pytest.raises(ValidationError, match="不能晚于现在"):
        letter(world, timezone.now() + timedelta(minutes=10))


def test_the_window_is_configurable(world, settings):
    settings.SHOUWEN_CONTACT_BACKDATE_DAYS = 3
    with pytest.raises(ValidationError, match="3 天前"):
        letter(world, timezone.now() - timedelta(days=10))
    assert letter(world, timezone.now() - timedelta(days=2)).case is not None


def test_the_message_is_also_in_english(world):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        letter(world, ATTACK_TIMES[1])
    assert "later than now" in refused.value.message_dict["received_at"][0]


@pytest.mark.parametrize("when", ["1900-01-02T10:00", "2099-12-31T10:00"], ids=["1900", "2099"])
def test_the_night_log_page_shows_the_error_at_the_call_time(world, client_for, when):
    response = client_for(world.technician).post(
        "/m/night/",
        {
            "estate": world.estate.pk,
            "called_at": when,
            "content": "卫生间下水道返水",
            "urgency": "normal",
            "morning_work_order": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["called_at"]
    assert nothing_was_registered()
