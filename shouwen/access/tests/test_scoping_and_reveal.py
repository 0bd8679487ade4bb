"""Estate scoping on pages, masking of personal data and the reveal access log."""

import pytest
from django.urls import reverse

from shouwen.access.masking import mask_id_number, mask_phone
from shouwen.access.models import PersonalDataAccess
from shouwen.access.permissions import can
from shouwen.access.roles import ROLES, Cap


def test_every_role_is_in_the_table_with_a_chinese_label():
    expected = {
        "front_desk",
        "cs_assistant",
        "cs_supervisor",
        "office_director",
        "deputy_gm",
        "technician",
        "security",
        "cleaning",
        "finance_clerk",
        "admin",
    }
    assert set(ROLES) == expected
    assert all(r.caps for r in ROLES.values())


@pytest.mark.parametrize(
    ("number", "masked"),
    [("13812345678", "138****5678"), ("057187654321", "0571****4321"), ("87654321", "****4321"), ("", "")],
)
def test_phone_numbers_are_masked(number, masked):
    assert mask_phone(number) == masked


def test_id_numbers_are_masked():
    assert mask_id_number("330106198001011234") == "330***********1234"


def test_technician_cannot_open_a_resident_of_an_estate_they_do_not_serve(world, client_for):
    other = world.residents["other_owner"]
    client = client_for(world.technician)
    assert client.get(reverse("directory:resident_detail", args=[other.pk])).status_code == 404
    assert (
        client.get(reverse("directory:unit_detail", args=[world.units["other-1-101"].pk])).status_code == 404
    )
    assert client.get(reverse("directory:estate_detail", args=[world.other_estate.pk])).status_code == 404
    listing = client.get(reverse("directory:resident_list"), {"q": "2222"}).content.decode()
    assert "陈静" not in listing
    assert "找到 0 位住户" in listing
    # …while the technician of that estate does see them.
    client = client_for(world.staff["other_technician"])
    assert client.get(reverse("directory:resident_detail", args=[other.pk])).status_code == 200


def test_company_wide_roles_see_every_estate(world, client_for):
    client = client_for(world.staff["deputy_gm"])
    page = client.get(reverse("directory:resident_list"), {"q": "2222"}).content.decode()
    assert "陈静" in page


def test_resident_page_shows_masked_numbers_only(world, client_for):
    owner = world.residents["owner"]
    page = client_for(world.clerk).get(reverse("directory:resident_detail", args=[owner.pk])).content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page
    assert "330106198001011234" not in page


def test_revealing_a_phone_number_leaves_an_access_log_entry(world, client_for):
    owner = world.residents["owner"]
    client = client_for(world.clerk)
    response = client.post(reverse("directory:resident_detail", args=[owner.pk]), {"field": "phone"})
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    entry = PersonalDataAccess.objects.get()
    assert entry.user == world.clerk.user
    assert entry.resident == owner
    assert entry.fields == "phone"
    assert entry.channel == "page"
    assert entry.ip_address == "127.0.0.1"
    # The supervisor reads it in the access log.
    log = client_for(world.supervisor).get(reverse("access:access_log")).content.decode()
    assert "王丽" in log and "张伟" in log and "电话号码" in log


def test_roles_without_reveal_cannot_reveal_and_nothing_is_logged(world, client_for):
    owner = world.residents["owner"]
    assert not can(world.technician.user, Cap.PERSONAL_REVEAL)
    response = client_for(world.technician).post(reverse("directory:resident_detail", args=[owner.pk]))
    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_front_desk_cannot_read_the_access_log(world, client_for):
    assert client_for(world.clerk).get(reverse("access:access_log")).status_code == 403


def test_access_log_only_shows_estates_the_reader_serves(world, client_for):
    from shouwen.access.services import reveal_personal_data

    reveal_personal_data(world.staff["deputy_gm"].user, world.residents["other_owner"], ["phone"], "page")
    log = client_for(world.supervisor).get(reverse("access:access_log")).content.decode()
    assert "陈静" not in log
