"""Finding cases by unit as people type it, and by the four-digit short form of a case number."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from shouwen.directory.models import Building, Unit

SH = ZoneInfo("Asia/Shanghai")


def page_numbers(client, q):
    response = client.get(reverse("cases:queue"), {"q": q})
    assert response.status_code == 200
    return sorted(c.number for c in response.context["cases"])


def api_numbers(api, q):
    response = api.get("/api/v1/cases/", {"q": q})
    assert response.status_code == 200, response.content
    return sorted(row["number"] for row in response.json()["results"])


@pytest.fixture
def unit_cases(world):
    b10 = Building.objects.create(estate=world.estate, code="10", name="10栋", floors=6, entrances=2)
    u10 = Unit.objects.create(building=b10, entrance="2", number="102", floor=1)
    return {
        "1502": world.register(content="卫生间漏水"),
        "0801": world.register(
            resident=world.residents["tenant"], unit=world.units["3-1-0801"], caller_phone="13900001111"
        ),
        "10-2-102": world.register(resident=None, unit=u10, caller_name="王先生", caller_phone="13600001234"),
    }


@pytest.mark.parametrize(
    "q", ["3-2-1502", "3栋2单元1502", "3号楼2单元1502室", "3-1502", "3栋1502", "3#2-1502"]
)
def test_a_unit_typed_in_any_common_form_finds_its_cases(world, unit_cases, client_for, api_for, q):
    expected = [unit_cases["1502"].number]
    assert page_numbers(client_for(world.clerk), q) == expected
    assert api_numbers(api_for(world.clerk), q) == expected
    # A supervisor and the customer-service staff alike; digits are not taken for the end of a phone number.
    assert page_numbers(client_for(world.supervisor), q) == expected


def test_a_building_number_of_two_digits_and_a_flat_without_its_leading_zero_are_found(
    world, unit_cases, client_for, api_for
):
    assert page_numbers(client_for(world.clerk), "10-2-102") == [unit_cases["10-2-102"].number]
    assert api_numbers(api_for(world.clerk), "10栋2单元102") == [unit_cases["10-2-102"].number]
    assert page_numbers(client_for(world.clerk), "3-1-801") == [unit_cases["0801"].number]


def test_the_digits_of_a_unit_still_find_a_phone_number_ending_in_them(world, unit_cases, client_for):
    # 5678 is the end of 张伟's number: four plain digits are still a phone suffix.
    assert page_numbers(client_for(world.clerk), "5678") == [unit_cases["1502"].number]
    assert page_numbers(client_for(world.clerk), "138-1234-5678") == [unit_cases["1502"].number]


def test_the_four_digit_short_form_finds_the_recent_case_with_that_number_in_the_users_estates(
    world, client_for, api_for
):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=SH), tick=False):
        first = world.register(content="楼道灯不亮")
        second = world.register(content="外墙渗水")
        other = world.register(
            world.staff["deputy_gm"],
            estate=world.other_estate,
            resident=None,
            unit=None,
            caller_phone="13700002222",
            content="另一小区",
        )
    assert first.number.endswith("-0001") and other.number.endswith("-0001")
    with time_machine.travel(datetime(2026, 3, 5, 15, 0, tzinfo=SH), tick=False):
        today = world.register(content="今天的第一件")
        # Today's and this week's 0001 of the clerk's estate; never the other estate's.
        assert page_numbers(client_for(world.clerk), "0001") == sorted([first.number, today.number])
        assert api_numbers(api_for(world.clerk), "０００２") == [second.number]
        # The other estate's deputy finds nothing of this estate's; a technician, who may not search by a
        # number's end, is asked for the whole number (four digits could be the end of a phone number).
        refused = api_for(world.staff["other_technician"]).get("/api/v1/cases/", {"q": "0001"})
        assert refused.status_code == 400 and "q" in refused.json()
    with time_machine.travel(datetime(2026, 3, 12, 9, 0, tzinfo=SH), tick=False):
        assert page_numbers(client_for(world.clerk), "0002") == []  # older than a week: type the whole number
