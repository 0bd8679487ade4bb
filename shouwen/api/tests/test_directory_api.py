"""The directory API: estate scoping, masking, logged reveals, validation and no deleting."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from shouwen.access.models import PersonalDataAccess
from shouwen.directory.models import Occupancy, Resident, Unit
from shouwen.directory.services import create_resident


def _ids(response):
    return {row["id"] for row in response.json()["results"]}


# --- authentication ---------------------------------------------------------------------


def test_unauthenticated_request_is_401(world):
    response = APIClient().get("/api/v1/residents/")
    assert response.status_code == 401


def test_a_wrong_token_is_401(world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/v1/residents/").status_code == 401


def test_token_authentication_works(world, api_for):
    response = api_for(world.clerk).get("/api/v1/residents/")
    assert response.status_code == 200
    assert world.residents["owner"].pk in _ids(response)


def test_session_authentication_works_too(world, client_for):
    response = client_for(world.clerk).get("/api/v1/residents/")
    assert response.status_code == 200


def test_me_shows_roles_capabilities_and_estates(world, api_for):
    response = api_for(world.supervisor).get("/api/v1/me/")
    assert response.status_code == 200
    data = response.json()
    assert data["name"] == "李强"
    assert data["staff_no"] == "LJ003"
    assert [r["code"] for r in data["roles"]] == ["cs_supervisor"]
    assert "personal.reveal" in data["capabilities"]
    assert "directory.edit" in data["capabilities"]
    assert [e["code"] for e in data["estates"]] == ["LJY"]
    assert data["company_wide"] is False


# --- estate scoping ---------------------------------------------------------------------


def test_technician_does_not_see_residents_of_another_estate(world, api_for):
    api = api_for(world.technician)
    other = world.residents["other_owner"]
    listed = api.get("/api/v1/residents/")
    assert listed.status_code == 200
    assert other.pk not in _ids(listed)
    assert world.residents["owner"].pk in _ids(listed)
    assert api.get(f"/api/v1/residents/{other.pk}/").status_code == 404
    assert api.post(
        f"/api/v1/residents/{other.pk}/reveal/", {"fields": ["phone"]}, format="json"
    ).status_code in (
        403,
        404,
    )
    assert not PersonalDataAccess.objects.exists()


def test_other_estate_technician_sees_its_residents_only(world, api_for):
    api = api_for(world.staff["other_technician"])
    listed = api.get("/api/v1/residents/")
    assert _ids(listed) == {world.residents["other_owner"].pk}
    assert api.get(f"/api/v1/residents/{world.residents['other_owner'].pk}/").status_code == 200
    assert api.get(f"/api/v1/residents/{world.residents['owner'].pk}/").status_code == 404


def test_deputy_gm_sees_both_estates(world, api_for):
    api = api_for(world.staff["deputy_gm"])
    assert {e["code"] for e in api.get("/api/v1/estates/").json()["results"]} == {"LJY", "CHY"}
    assert _ids(api.get("/api/v1/residents/")) == {r.pk for r in world.residents.values()}


def test_every_endpoint_hides_the_other_estate(world, api_for):
    api = api_for(world.technician)
    other_unit = world.units["other-1-101"]
    assert api.get(f"/api/v1/units/{other_unit.pk}/").status_code == 404
    assert api.get(f"/api/v1/buildings/{other_unit.building_id}/").status_code == 404
    assert api.get(f"/api/v1/estates/{world.other_estate.pk}/").status_code == 404
    occupancy = Occupancy.objects.get(unit=other_unit)
    assert api.get(f"/api/v1/occupancies/{occupancy.pk}/").status_code == 404
    assert other_unit.pk not in _ids(api.get("/api/v1/units/"))
    assert {d["estate"] for d in api.get("/api/v1/departments/").json()["results"]} == {world.estate.pk}


def test_reveal_of_another_estate_resident_is_404_for_a_clerk(world, api_for):
    other = world.residents["other_owner"]
    response = api_for(world.clerk).post(f"/api/v1/residents/{other.pk}/reveal/", {}, format="json")
    assert response.status_code == 404
    assert not PersonalDataAccess.objects.exists()


# --- masking and revealing --------------------------------------------------------------


def test_phone_and_id_numbers_are_masked(world, api_for):
    owner = world.residents["owner"]
    response = api_for(world.clerk).get(f"/api/v1/residents/{owner.pk}/")
    data = response.json()
    assert data["phones_masked"] == ["138****5678", "0571****4321"]
    assert data["id_number_masked"] == "330***********1234"
    assert "phones" not in data
    assert "id_number" not in data
    assert "13812345678" not in response.content.decode()
    assert "330106198001011234" not in response.content.decode()


def test_list_is_masked_and_shows_current_units(world, api_for):
    response = api_for(world.clerk).get("/api/v1/residents/")
    row = next(r for r in response.json()["results"] if r["id"] == world.residents["owner"].pk)
    assert "138****5678" in row["phones_masked"]
    assert "13812345678" not in response.content.decode()
    assert row["current_units"] == [
        {
            "unit": world.units["3-2-1502"].pk,
            "label": "3栋2单元1502",
            "shorthand": "3-2-1502",
            "role": "owner",
        }
    ]


def test_reveal_returns_the_numbers_and_logs_the_access(world, api_for):
    owner = world.residents["owner"]
    response = api_for(world.clerk).post(
        f"/api/v1/residents/{owner.pk}/reveal/",
        {"fields": ["phone", "id_number"], "reason": "住户来电报修，需回拨"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "resident": owner.pk,
        "phones": ["13812345678", "057187654321"],
        "id_number": "330106198001011234",
    }
    entry = PersonalDataAccess.objects.get()
    assert entry.user == world.clerk.user
    assert entry.resident == owner
    assert entry.channel == "api"
    assert entry.fields == "phone,id_number"
    assert entry.reason == "住户来电报修，需回拨"
    assert entry.ip_address == "127.0.0.1"


def test_each_reveal_leaves_its_own_log_entry(world, api_for):
    owner = world.residents["owner"]
    api = api_for(world.clerk)
    first = api.post(f"/api/v1/residents/{owner.pk}/reveal/", {"fields": ["phone"]}, format="json")
    assert first.json() == {"resident": owner.pk, "phones": ["13812345678", "057187654321"]}
    api.post(f"/api/v1/residents/{owner.pk}/reveal/", {"fields": ["id_number"]}, format="json")
    assert PersonalDataAccess.objects.filter(resident=owner, channel="api").count() == 2


def test_reveal_rejects_unknown_fields(world, api_for):
    owner = world.residents["owner"]
    response = api_for(world.clerk).post(
        f"/api/v1/residents/{owner.pk}/reveal/", {"fields": ["password"]}, format="json"
    )
    assert response.status_code == 400
    assert not PersonalDataAccess.objects.exists()


def test_technician_without_reveal_capability_gets_403(world, api_for):
    owner = world.residents["owner"]
    response = api_for(world.technician).post(
        f"/api/v1/residents/{owner.pk}/reveal/", {"fields": ["phone"]}, format="json"
    )
    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


# --- search and filters -----------------------------------------------------------------


@pytest.mark.parametrize("query", ["5678", "13812345678", "3-2-1502", "3栋2单元1502", "张伟"])
def test_resident_search(world, api_for, query):
    response = api_for(world.clerk).get("/api/v1/residents/", {"q": query})
    assert _ids(response) == {world.residents["owner"].pk}


def test_resident_search_stays_in_the_users_estates(world, api_for):
    response = api_for(world.clerk).get("/api/v1/residents/", {"q": "2222"})
    assert _ids(response) == set()


def test_resident_estate_filter(world, api_for):
    api = api_for(world.staff["deputy_gm"])
    response = api.get("/api/v1/residents/", {"estate": world.other_estate.pk})
    assert _ids(response) == {world.residents["other_owner"].pk}
    assert api.get("/api/v1/residents/", {"estate": "abc"}).status_code == 400


def test_units_have_label_and_shorthand_and_filters(world, api_for):
    api = api_for(world.clerk)
    unit = world.units["3-2-1502"]
    data = api.get(f"/api/v1/units/{unit.pk}/").json()
    assert data["label"] == "3栋2单元1502"
    assert data["shorthand"] == "3-2-1502"
    assert data["estate"] == world.estate.pk
    assert _ids(api.get("/api/v1/units/", {"q": "3-2-1502"})) == {unit.pk}
    assert _ids(api.get("/api/v1/units/", {"q": "1502"})) == {unit.pk}
    assert _ids(api.get("/api/v1/units/", {"building": unit.building_id})) == {
        unit.pk,
        world.units["3-1-0801"].pk,
    }
    deputy = api_for(world.staff["deputy_gm"])
    assert _ids(deputy.get("/api/v1/units/", {"estate": world.other_estate.pk})) == {
        world.units["other-1-101"].pk
    }


def test_staff_list_shows_colleagues_without_personal_fields(world, api_for):
    response = api_for(world.clerk).get("/api/v1/staff/")
    assert response.status_code == 200
    rows = response.json()["results"]
    by_no = {r["staff_no"]: r for r in rows}
    assert "LJ010" in by_no
    assert "CH010" not in by_no  # serves only the other estate
    assert set(by_no["LJ010"]) == {
        "id",
        "name",
        "staff_no",
        "department",
        "department_name",
        "roles",
        "estates",
    }
    assert by_no["LJ010"]["roles"] == [{"code": "technician", "label": "维修技术员"}]
    assert by_no["LJ010"]["estates"] == [world.estate.pk]


# --- writing ----------------------------------------------------------------------------


def test_supervisor_creates_a_resident(world, api_for):
    response = api_for(world.supervisor).post(
        "/api/v1/residents/",
        {"estate": world.estate.pk, "name": "王芳", "phones": ["139 0000 2222", "+86 13900003333"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["phones_masked"] == ["139****2222", "139****3333"]
    resident = Resident.objects.get(name="王芳")
    assert list(resident.phones.values_list("number", flat=True)) == ["13900002222", "13900003333"]


def test_invalid_phone_is_rejected_in_chinese(world, api_for):
    response = api_for(world.supervisor).post(
        "/api/v1/residents/",
        {"estate": world.estate.pk, "name": "王芳", "phones": ["12345"]},
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["phones"][0]
    assert "电话号码“12345”格式不正确" in message
    assert not Resident.objects.filter(name="王芳").exists()


def test_supervisor_cannot_create_a_resident_in_another_estate(world, api_for):
    response = api_for(world.supervisor).post(
        "/api/v1/residents/",
        {"estate": world.other_estate.pk, "name": "王芳", "phones": ["13900002222"]},
        format="json",
    )
    assert response.status_code == 400
    # Answered like an id that does not exist: the reply does not confirm the estate is there.
    assert response.json()["estate"] == [f"无效主键 “{world.other_estate.pk}” － 对象不存在。"]
    assert not Resident.objects.filter(name="王芳").exists()


def test_clerk_without_edit_capability_cannot_create(world, api_for):
    response = api_for(world.clerk).post(
        "/api/v1/residents/", {"estate": world.estate.pk, "name": "王芳"}, format="json"
    )
    assert response.status_code == 403


def test_updating_phones_replaces_the_list_and_estate_is_fixed(world, api_for):
    owner = world.residents["owner"]
    api = api_for(world.supervisor)
    response = api.patch(
        f"/api/v1/residents/{owner.pk}/", {"phones": ["0571-87654321", "13700009999"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["phones_masked"] == ["0571****4321", "137****9999"]
    moved = api.patch(f"/api/v1/residents/{owner.pk}/", {"estate": world.other_estate.pk}, format="json")
    assert moved.status_code == 400


def test_cannot_change_a_resident_of_another_estate(world, api_for):
    other = world.residents["other_owner"]
    response = api_for(world.supervisor).patch(
        f"/api/v1/residents/{other.pk}/", {"name": "改名"}, format="json"
    )
    assert response.status_code == 404


def test_cannot_add_a_unit_to_a_building_of_another_estate(world, api_for):
    other_building = world.units["other-1-101"].building_id
    response = api_for(world.supervisor).post(
        "/api/v1/units/", {"building": other_building, "number": "102"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["building"] == [f"无效主键 “{other_building}” － 对象不存在。"]


def test_duplicate_unit_is_rejected(world, api_for):
    unit = world.units["3-2-1502"]
    response = api_for(world.supervisor).post(
        "/api/v1/units/", {"building": unit.building_id, "entrance": "2", "number": "1502"}, format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert Unit.objects.filter(building=unit.building, number="1502").count() == 1


def test_occupancy_is_ended_by_setting_end_date(world, api_for):
    tenant = world.residents["tenant"]
    occupancy = Occupancy.objects.get(resident=tenant)
    api = api_for(world.supervisor)
    response = api.patch(f"/api/v1/occupancies/{occupancy.pk}/", {"end_date": "2025-01-31"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["is_current"] is False
    assert api.get(f"/api/v1/residents/{tenant.pk}/").json()["current_units"] == []
    assert api.delete(f"/api/v1/occupancies/{occupancy.pk}/").status_code == 405
    assert Occupancy.objects.filter(pk=occupancy.pk).exists()


def test_occupancy_end_before_start_is_rejected(world, api_for):
    occupancy = Occupancy.objects.get(resident=world.residents["tenant"])
    response = api_for(world.supervisor).patch(
        f"/api/v1/occupancies/{occupancy.pk}/",
        {"start_date": "2025-02-01", "end_date": "2025-01-31"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["end_date"] == ["结束日期不能早于开始日期"]


def test_occupancy_resident_and_unit_must_share_an_estate(world, api_for):
    deputy = api_for(world.staff["deputy_gm"])
    response = deputy.post(
        "/api/v1/occupancies/",
        {"resident": world.residents["owner"].pk, "unit": world.units["other-1-101"].pk, "role": "tenant"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["unit"] == ["住户与房屋不属于同一小区"]


def test_occupancy_cannot_reference_another_estate(world, api_for):
    response = api_for(world.supervisor).post(
        "/api/v1/occupancies/",
        {"resident": world.residents["owner"].pk, "unit": world.units["other-1-101"].pk, "role": "tenant"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["unit"] == [f"无效主键 “{world.units['other-1-101'].pk}” － 对象不存在。"]


def test_public_area_building_must_belong_to_its_estate(world, api_for):
    deputy = api_for(world.staff["deputy_gm"])
    response = deputy.post(
        "/api/v1/public-areas/",
        {
            "estate": world.estate.pk,
            "building": world.units["other-1-101"].building_id,
            "kind": "lift",
            "name": "1栋电梯",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["building"] == ["所在楼栋不属于该小区"]


# --- nothing is deleted -----------------------------------------------------------------


def test_delete_on_a_resident_is_405(world, api_for):
    owner = world.residents["owner"]
    response = api_for(world.supervisor).delete(f"/api/v1/residents/{owner.pk}/")
    assert response.status_code == 405
    assert Resident.objects.filter(pk=owner.pk).exists()


@pytest.mark.parametrize("path", ["units", "buildings", "public-areas"])
def test_delete_is_405_for_directory_records(world, api_for, path):
    unit = world.units["3-2-1502"]
    pk = {"units": unit.pk, "buildings": unit.building_id, "public-areas": world.lift.pk}[path]
    assert api_for(world.supervisor).delete(f"/api/v1/{path}/{pk}/").status_code == 405


@pytest.mark.parametrize("path", ["estates", "departments", "staff"])
def test_read_only_endpoints_refuse_writes(world, api_for, path):
    assert api_for(world.supervisor).post(f"/api/v1/{path}/", {}, format="json").status_code == 405


# --- queries ----------------------------------------------------------------------------

# The per-account throttle's counter in the database cache: get, then set (count, savepoint, read, write, release).
THROTTLE_QUERIES = 6


def test_resident_list_has_no_n_plus_one(world, api_for, django_assert_max_num_queries):
    for i in range(30):
        unit = Unit.objects.create(
            building=world.units["3-2-1502"].building, entrance="9", number=f"{i + 1:02d}01"
        )
        create_resident(
            estate=world.estate,
            name=f"住户{i}",
            phones=[f"1390000{i:04d}", f"0571-8800{i:04d}"],
            units=[(unit, "owner")],
        )
    api = api_for(world.clerk)
    api.get(
        "/api/v1/me/"
    )  # warm up: the token's last use and the request rates are written/read once a minute
    # Token lookup, staff, roles, estates, count, page, phones, occupancies: fixed, whatever the page size;
    # plus the throttle counter in the database cache (read, count, savepoint, read, write, release).
    with django_assert_max_num_queries(10 + THROTTLE_QUERIES):
        response = api.get("/api/v1/residents/", {"limit": 50})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 32
    assert all(r["current_units"] for r in response.json()["results"])


def test_staff_list_has_no_n_plus_one(world, api_for, django_assert_max_num_queries):
    api = api_for(world.clerk)
    api.get("/api/v1/me/")
    with django_assert_max_num_queries(10 + THROTTLE_QUERIES):
        response = api.get("/api/v1/staff/")
    assert response.status_code == 200
    serving = {s.staff_no for s in world.staff.values() if world.estate in s.estates.all()}
    assert {r["staff_no"] for r in response.json()["results"]} == serving


def test_browsable_api_forms_offer_only_the_users_estates(world, client_for):
    response = client_for(world.supervisor).get("/api/v1/occupancies/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    assert "张伟" in html
    assert "陈静" not in html  # a resident of the other estate, not even as a form choice
    assert "翠湖苑" not in html
