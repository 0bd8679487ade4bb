"""Issue 10 item 10: an id from another estate is answered exactly like an id that does not exist.

The attack: name another estate's resident (or unit, building, staff member…) in a request and
compare the answer with that for a made-up id. "无权操作该小区的数据" against "对象不存在" told the
attacker which ids exist elsewhere; now both answers are the same, byte for byte once the id itself
is set aside.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from shouwen.cases import services as case_services
from shouwen.directory.models import Building, Occupancy, Resident, Staff, Unit

UNKNOWN = 987_654_321


def _same_answer(first: Any, first_id: object, second: Any, second_id: object) -> None:
    """Assert two responses differ in nothing but the id they were asked about."""
    assert first.status_code == second.status_code

    def body(response: Any, value: object) -> str:
        return json.dumps(response.json(), ensure_ascii=False, sort_keys=True).replace(str(value), "<id>")

    assert body(first, first_id) == body(second, second_id)


@pytest.fixture
def repair_case(world):
    return world.register(
        category="household_repair", content="厨房水龙头漏水", caller_name="", caller_phone=""
    )


def test_creating_a_resident_in_another_estate_is_answered_like_an_unknown_estate(world, api_for):
    api = api_for(world.supervisor)
    other = api.post("/api/v1/residents/", {"estate": world.other_estate.pk, "name": "王芳"}, format="json")
    unknown = api.post("/api/v1/residents/", {"estate": UNKNOWN, "name": "王芳"}, format="json")
    assert other.status_code == 400
    _same_answer(other, world.other_estate.pk, unknown, UNKNOWN)
    assert "无权" not in other.content.decode()
    assert not Resident.objects.filter(name="王芳").exists()


def test_references_to_another_estate_in_directory_writes_look_unknown(world, api_for):
    api = api_for(world.supervisor)
    other_unit = world.units["other-1-101"]
    other_building = other_unit.building_id
    owner = world.residents["owner"]
    for url, field, other_id, payload in (
        ("/api/v1/units/", "building", other_building, {"number": "102"}),
        (
            "/api/v1/public-areas/",
            "building",
            other_building,
            {"estate": world.estate.pk, "kind": "lift", "name": "新电梯"},
        ),
        ("/api/v1/occupancies/", "unit", other_unit.pk, {"resident": owner.pk, "role": "tenant"}),
        (
            "/api/v1/occupancies/",
            "resident",
            world.residents["other_owner"].pk,
            {"unit": world.units["3-1-0801"].pk, "role": "tenant"},
        ),
    ):
        other = api.post(url, {**payload, field: other_id}, format="json")
        unknown = api.post(url, {**payload, field: UNKNOWN}, format="json")
        assert other.status_code == 400, (url, field)
        _same_answer(other, other_id, unknown, UNKNOWN)
    assert not Unit.objects.filter(number="102").exists()
    assert not Occupancy.objects.filter(resident=owner, role="tenant").exists()


def test_detail_routes_answer_404_alike_for_another_estate_and_an_unknown_id(world, api_for):
    api = api_for(world.technician)
    other_unit = world.units["other-1-101"]
    other_ids = {
        "residents": world.residents["other_owner"].pk,
        "units": other_unit.pk,
        "buildings": other_unit.building_id,
        "occupancies": Occupancy.objects.get(unit=other_unit).pk,
        "estates": world.other_estate.pk,
    }
    for route, other_id in other_ids.items():
        other = api.get(f"/api/v1/{route}/{other_id}/")
        unknown = api.get(f"/api/v1/{route}/{UNKNOWN}/")
        assert other.status_code == 404, route
        _same_answer(other, other_id, unknown, UNKNOWN)
    clerk = api_for(world.clerk)
    other_resident = world.residents["other_owner"].pk
    other = clerk.post(f"/api/v1/residents/{other_resident}/reveal/", {}, format="json")
    unknown = clerk.post(f"/api/v1/residents/{UNKNOWN}/reveal/", {}, format="json")
    assert other.status_code == 404
    _same_answer(other, other_resident, unknown, UNKNOWN)


def test_registering_a_call_with_another_estates_resident_looks_like_an_unknown_resident(world, api_for):
    api = api_for(world.clerk)
    base = {"estate": world.estate.pk, "channel": "phone", "category": "consultation", "content": "问物业费"}
    other_unit = world.units["other-1-101"]
    for field, other_id in (
        ("resident", world.residents["other_owner"].pk),
        ("unit", other_unit.pk),
        ("complained_department", world.other_estate.departments.first().pk),
    ):
        other = api.post("/api/v1/contacts/", {**base, field: other_id}, format="json")
        unknown = api.post("/api/v1/contacts/", {**base, field: UNKNOWN}, format="json")
        assert other.status_code == 400, field
        _same_answer(other, other_id, unknown, UNKNOWN)
    other = api.post("/api/v1/contacts/", {**base, "estate": world.other_estate.pk}, format="json")
    unknown = api.post("/api/v1/contacts/", {**base, "estate": UNKNOWN}, format="json")
    _same_answer(other, world.other_estate.pk, unknown, UNKNOWN)


def test_handing_a_case_to_another_estates_staff_looks_like_an_unknown_person(world, api_for, repair_case):
    supervisor = api_for(world.supervisor)
    stranger: Staff = world.staff["other_technician"]
    url = f"/api/v1/cases/{repair_case.number}/"
    other = supervisor.post(url + "reassign/", {"to_staff": stranger.pk, "note": "请处理"}, format="json")
    unknown = supervisor.post(url + "reassign/", {"to_staff": UNKNOWN, "note": "请处理"}, format="json")
    assert other.status_code == 400
    _same_answer(other, stranger.pk, unknown, UNKNOWN)
    clerk = api_for(world.clerk)
    other = clerk.post(url + "hand-over/", {"to_staff": stranger.pk, "note": "转工程"}, format="json")
    unknown = clerk.post(url + "hand-over/", {"to_staff": UNKNOWN, "note": "转工程"}, format="json")
    assert other.status_code == 400
    _same_answer(other, stranger.pk, unknown, UNKNOWN)
    other_department = world.other_estate.departments.get(kind="engineering").pk
    other = clerk.post(
        url + "keep-in-stead/", {"department": other_department, "note": "无人值班"}, format="json"
    )
    unknown = clerk.post(url + "keep-in-stead/", {"department": UNKNOWN, "note": "无人值班"}, format="json")
    assert other.status_code == 400
    _same_answer(other, other_department, unknown, UNKNOWN)


def test_sending_another_estates_technician_on_a_work_order_looks_like_an_unknown_person(
    world, api_for, repair_case
):
    api = api_for(world.clerk)
    stranger = world.staff["other_technician"].pk
    body = {"case": repair_case.number, "trade": "plumbing"}
    other = api.post("/api/v1/work-orders/", {**body, "technicians": [stranger]}, format="json")
    unknown = api.post("/api/v1/work-orders/", {**body, "technicians": [UNKNOWN]}, format="json")
    assert other.status_code == 400
    _same_answer(other, stranger, unknown, UNKNOWN)
    other_case = case_services.register_contact(
        world.staff["other_technician"],
        estate=world.other_estate,
        channel="phone",
        category="household_repair",
        content="门锁坏了",
    ).case
    other = api.post("/api/v1/work-orders/", {**body, "case": other_case.number}, format="json")
    unknown = api.post("/api/v1/work-orders/", {**body, "case": "CHY-20990101-0001"}, format="json")
    assert other.status_code == 400
    _same_answer(other, other_case.number, unknown, "CHY-20990101-0001")
    other = api.get(f"/api/v1/cases/{other_case.number}/")
    unknown = api.get("/api/v1/cases/CHY-20990101-0001/")
    assert other.status_code == 404
    _same_answer(other, other_case.number, unknown, "CHY-20990101-0001")


def test_pages_answer_404_alike_for_another_estate_and_an_unknown_id(world, client_for):
    client = client_for(world.technician)
    other_unit = world.units["other-1-101"]
    for name, other_id in (
        ("resident_detail", world.residents["other_owner"].pk),
        ("unit_detail", other_unit.pk),
        ("building_detail", Building.objects.get(pk=other_unit.building_id).pk),
        ("estate_detail", world.other_estate.pk),
    ):
        other = client.get(f"/directory/{name.split('_')[0]}s/{other_id}/")
        unknown = client.get(f"/directory/{name.split('_')[0]}s/{UNKNOWN}/")
        assert other.status_code == unknown.status_code == 404, name
        assert other.content.replace(str(other_id).encode(), b"<id>") == unknown.content.replace(
            str(UNKNOWN).encode(), b"<id>"
        )
