"""Issue 10 item 2: a masked phone number cannot be recovered by searching for its last digits.

The attack: a technician sees 138****5678 and may not reveal it, but asked for ``d5678`` with
d = 0…9, one digit more at a time, and recovered the whole number in a few dozen searches, with
nothing in the access log. It worked through the residents API, the directory page, the case
search (page and API) and the intake caller lookup. Now only roles that may see numbers search by
the last digits; the others need the whole number, and every lookup they make is logged.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from shouwen.access.models import PersonalDataAccess
from shouwen.directory import search
from shouwen.directory.search import number_lookup

FULL = "13812345678"  # 张伟's mobile, shown to the technician as 138****5678


@pytest.fixture
def leak_case(world):
    return world.register(
        category="household_repair", content="卫生间漏水", caller_name="", caller_phone=FULL
    )


def _attempts() -> list[str]:
    """The first round of the attack: one more digit in front of the visible last four."""
    return [f"{d}5678" for d in range(10)] + ["5678"]


def _lookups(staff) -> list[PersonalDataAccess]:
    return list(PersonalDataAccess.objects.filter(user=staff.user, channel="search").order_by("pk"))


def test_technician_gets_nothing_by_suffix_from_the_residents_api_and_each_try_is_logged(world, api_for):
    api = api_for(world.technician)
    for attempt in _attempts():
        response = api.get("/api/v1/residents/", {"q": attempt})
        assert response.status_code == 400, attempt
        assert "完整的号码" in response.json()["q"][0]
    assert [row.searched for row in _lookups(world.technician)] == _attempts()
    assert all(row.resident_id is None for row in _lookups(world.technician))
    found = api.get("/api/v1/residents/", {"q": "138 1234 5678"})
    assert [r["name"] for r in found.json()["results"]] == ["张伟"]
    assert found.json()["results"][0]["phones_masked"][0] == "138****5678"
    last = _lookups(world.technician)[-1]
    assert (last.searched, last.resident_id, last.fields) == (FULL, world.residents["owner"].pk, "phone")


def test_technician_gets_nothing_by_suffix_from_the_directory_page(world, client_for):
    client = client_for(world.technician)
    for attempt in _attempts():
        page = client.get("/directory/residents/", {"q": attempt}).content.decode()
        assert "张伟" not in page, attempt
        assert "完整的号码" in page
    assert len(_lookups(world.technician)) == len(_attempts())
    page = client.get("/directory/residents/", {"q": FULL}).content.decode()
    assert "张伟" in page and "已记入个人信息查看记录" in page
    # The unit and the name still find the resident, without a phone lookup.
    assert "张伟" in client.get("/directory/residents/", {"q": "3-2-1502"}).content.decode()
    assert "张伟" in client.get("/directory/residents/", {"q": "张伟"}).content.decode()
    assert len(_lookups(world.technician)) == len(_attempts()) + 1


def test_technician_gets_nothing_by_suffix_from_the_case_search(world, client_for, api_for, leak_case):
    client = client_for(world.technician)
    api = api_for(world.technician)
    for attempt in _attempts():
        page = client.get("/cases/", {"q": attempt}).content.decode()
        assert leak_case.number not in page, attempt
        assert "完整的号码" in page
        assert api.get("/api/v1/cases/", {"q": attempt}).status_code == 400
    assert len(_lookups(world.technician)) == 2 * len(_attempts())
    assert leak_case.number in client.get("/cases/", {"q": FULL}).content.decode()
    listed = api.get("/api/v1/cases/", {"q": FULL}).json()["results"]
    assert [c["number"] for c in listed] == [leak_case.number]
    assert _lookups(world.technician)[-1].resident_id == world.residents["owner"].pk


def test_technician_must_type_the_whole_number_at_intake(world, client_for):
    client = client_for(world.technician)
    intake = client.get("/cases/intake/").content.decode()
    assert 'hx-trigger="change, load"' in intake  # not one lookup per key pressed
    for attempt in _attempts():
        fragment = client.get("/cases/intake/lookup/", {"caller_phone": attempt}).content.decode()
        assert "张伟" not in fragment, attempt
        assert "完整的号码" in fragment
    fragment = client.get("/cases/intake/lookup/", {"caller_phone": FULL}).content.decode()
    assert "张伟" in fragment and "138****5678" in fragment and FULL not in fragment
    assert len(_lookups(world.technician)) == len(_attempts()) + 1
    # An unknown whole number is a visitor; the lookup is logged all the same, per estate served.
    fragment = client.get("/cases/intake/lookup/", {"caller_phone": "13999998888"}).content.decode()
    assert "未找到该号码的住户" in fragment
    miss = _lookups(world.technician)[-1]
    assert (miss.searched, miss.resident_id, miss.estate_id) == ("13999998888", None, world.estate.pk)


def test_front_desk_clerk_still_finds_by_the_last_four_digits_without_a_log_row(
    world, client_for, api_for, leak_case
):
    client = client_for(world.clerk)
    api = api_for(world.clerk)
    assert [r["name"] for r in api.get("/api/v1/residents/", {"q": "5678"}).json()["results"]] == ["张伟"]
    assert "张伟" in client.get("/directory/residents/", {"q": "5678"}).content.decode()
    assert leak_case.number in client.get("/cases/", {"q": "5678"}).content.decode()
    assert [c["number"] for c in api.get("/api/v1/cases/", {"q": "5678"}).json()["results"]] == [
        leak_case.number
    ]
    assert "张伟" in client.get("/cases/intake/lookup/", {"caller_phone": "5678"}).content.decode()
    assert 'hx-trigger="input changed delay:300ms, load"' in client.get("/cases/intake/").content.decode()
    assert _lookups(world.clerk) == []


def test_security_and_cleaning_staff_are_held_to_the_whole_number_too(world, api_for):
    for role in ("security", "cleaning"):
        api = api_for(world.staff[role])
        assert api.get("/api/v1/residents/", {"q": "5678"}).status_code == 400
        assert len(_lookups(world.staff[role])) == 1


def test_whole_number_lookups_are_limited_per_hour(world, api_for, client_for, monkeypatch):
    monkeypatch.setattr(search, "NUMBER_LOOKUPS_PER_HOUR", 3)
    api = api_for(world.technician)
    for _ in range(3):
        assert api.get("/api/v1/residents/", {"q": FULL}).status_code == 200
    refused = api.get("/api/v1/residents/", {"q": FULL})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "一小时内按电话号码查找已达 3 次" in refused.json()["detail"]
    page = client_for(world.technician).get("/directory/residents/", {"q": FULL}).content.decode()
    assert "一小时内按电话号码查找已达 3 次" in page and "张伟" not in page.split("一小时内")[1]
    assert len(_lookups(world.technician)) == 5  # the refused tries are logged too


def test_supervisor_reads_who_searched_which_number_in_the_access_log(world, api_for, client_for):
    api = api_for(world.technician)
    api.get("/api/v1/residents/", {"q": "05678"})
    api.get("/api/v1/residents/", {"q": FULL})
    log = client_for(world.supervisor).get("/access/log/").content.decode()
    assert "刘师傅（LJ010）" in log and "按号码查找" in log
    assert "05678" in log and FULL in log and "未找到住户" in log and "张伟" in log


def test_the_refusal_reads_in_english_too(world):
    lookup = number_lookup(world.technician.user, "5678")
    assert lookup is not None and lookup.refused
    with translation.override("en"):
        assert "full number" in lookup.message()
