"""The staff pages of notices, the residents' board on the portal, and the portal and staff API."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shouwen.access.models import PersonalDataAccess
from shouwen.core.tests.reliability.helpers import PNG
from shouwen.notices import services
from shouwen.notices.models import Audience, BoardRenewal, Notice, NoticeHousehold, NoticeStatus
from shouwen.notices.tests.helpers import DAYTIME, draft, make_town
from shouwen.portal.testing import resident_token, sign_in_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(world):
    return make_town(world)


def _form(world, **overrides):
    data = {
        "estate": world.estate.pk,
        "title": "5栋电梯检修",
        "body": "12 月 8 日 9:00–12:00 5 栋电梯停用检修，请走楼梯。",
        "audience": "buildings",
        "buildings": [],
        "units": "",
        "valid_from": "2026-12-03",
        "valid_until": "2026-12-08",
        "sms": "on",
        "sms_text": "12月8日上午5栋电梯检修停用。",
    }
    data.update(overrides)
    return data


def test_a_clerk_writes_the_supervisor_publishes_and_the_list_counts(town, client_for, client):
    world = town.world
    clerk = client_for(world.staff["cs_assistant"])
    response = clerk.post(reverse("notices:create"), _form(world, buildings=[town.b5.pk]))
    notice = Notice.objects.get(title="5栋电梯检修")
    assert response.status_code == 302 and response["Location"] == reverse("notices:detail", args=[notice.pk])
    page = clerk.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "发布后将送达 2 户" in page and 'id="notice-publish"' not in page  # a clerk does not publish
    assert clerk.post(reverse("notices:publish", args=[notice.pk])).status_code == 403
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.DRAFT
    client.logout()
    boss = client_for(world.supervisor)
    boss.post(reverse("notices:publish", args=[notice.pk]))
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PUBLISHED
    services.mark_read(notice, town.residents["zhao"])
    listing = boss.get(reverse("notices:list")).content.decode()
    assert 'class="num reached">2<' in listing and 'class="num read">1<' in listing


def test_units_are_typed_and_bad_input_keeps_the_form(town, client_for):
    world = town.world
    clerk = client_for(world.staff["cs_assistant"])
    response = clerk.post(
        reverse("notices:create"),
        _form(world, audience="units", units="3-2-1502 9-9-999", sms_text="停" * 400),
    )
    text = response.content.decode()
    assert response.status_code == 200 and "没有这些房屋：9-9-999" in text and "5栋电梯检修" in text
    assert not Notice.objects.exists()
    clerk.post(reverse("notices:create"), _form(world, audience="units", units="3-2-1502, 5-1-101"))
    notice = Notice.objects.get()
    assert set(notice.units.values_list("number", flat=True)) == {"1502", "101"}


def test_the_print_page_is_an_a4_sheet(town, client_for):
    world = town.world
    notice = draft(world)
    services.add_attachment(world.staff["cs_assistant"], notice, SimpleUploadedFile("图.png", PNG))
    page = (
        client_for(world.staff["front_desk"]).get(reverse("notices:print", args=[notice.pk])).content.decode()
    )
    assert 'class="a4"' in page and "停水通知" in page and "丽景园 客户服务中心" in page
    assert reverse("notices:attachment", args=[notice.pk, notice.attachments.get().pk]) in page


def test_unread_households_show_masked_numbers_and_a_logged_reveal(town, client_for):
    world = town.world
    notice = draft(world)
    services.publish(world.supervisor, notice, now=DAYTIME)
    services.mark_read(notice, world.residents["owner"])
    desk = client_for(world.staff["front_desk"])
    page = desk.get(reverse("notices:households", args=[notice.pk])).content.decode()
    assert "136****0002" in page and "13600000002" not in page
    assert "3栋2单元1502" not in page and "3栋1单元0801" in page
    zhao = town.residents["zhao"]
    page = desk.post(reverse("notices:households", args=[notice.pk]), {"resident": zhao.pk}).content.decode()
    assert "13600000002" in page
    log = PersonalDataAccess.objects.get(resident=zhao)
    assert log.user == world.staff["front_desk"].user and "停水通知" in log.reason


def test_the_technician_may_not_see_notices_and_the_other_estate_is_hidden(town, client_for, client):
    world = town.world
    notice = draft(world)
    assert client_for(world.technician).get(reverse("notices:list")).status_code == 403
    client.logout()
    other = client_for(world.staff["other_technician"])
    assert other.get(reverse("notices:detail", args=[notice.pk])).status_code == 403


def test_the_board_records_renewals(town, client_for):
    world = town.world
    notice = draft(world)
    services.publish(world.supervisor, notice, now=DAYTIME)
    clerk = client_for(world.staff["cs_assistant"])
    clerk.post(
        reverse("notices:board"), {"estate": world.estate.pk, "note": "防火宣传", "notices": [notice.pk]}
    )
    renewal = BoardRenewal.objects.get()
    assert renewal.renewed_by == world.staff["cs_assistant"] and list(renewal.notices.all()) == [notice]
    assert "防火宣传" in clerk.get(reverse("notices:board")).content.decode()


def test_a_residents_opt_out_is_set_by_staff(town, client_for):
    world = town.world
    zhao = town.residents["zhao"]
    client_for(world.staff["cs_assistant"]).post(
        reverse("notices:sms_opt_out", args=[zhao.pk]), {"opt_out": "1"}
    )
    zhao.refresh_from_db()
    assert zhao.notice_sms_opt_out


# ---------------------------------------------------------------- the portal


def test_the_residents_board_opening_a_notice_reads_it(town, client):
    world = town.world
    mine = draft(world, audience=Audience.BUILDINGS, buildings=(town.b5,), title="5栋电梯检修")
    theirs = draft(world, audience=Audience.UNITS, units=(world.units["3-2-1502"],), title="1502 漏水排查")
    services.publish(world.supervisor, mine, now=DAYTIME)
    services.publish(world.supervisor, theirs, now=DAYTIME)
    sign_in_resident(client, town.residents["zhao"])
    board = client.get(reverse("notices_portal:board")).content.decode()
    assert "5栋电梯检修" in board and "1502 漏水排查" not in board and "未读" in board
    assert client.get(reverse("notices_portal:notice", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notices_portal:notice", args=[mine.pk])).status_code == 200
    household = NoticeHousehold.objects.get(notice=mine, unit=town.units["5-1-102"])
    assert household.read_by == town.residents["zhao"]
    client.post(reverse("notices_portal:sms"), {"opt_out": "1"})
    town.residents["zhao"].refresh_from_db()
    assert town.residents["zhao"].notice_sms_opt_out


def test_the_board_needs_a_resident_session(town, client_for):
    response = client_for(town.world.staff["cs_supervisor"]).get(reverse("notices_portal:board"))
    assert response.status_code == 302 and "/r/sign-in/" in response["Location"]


def test_portal_api_lists_and_reads_the_residents_notices(town):
    from rest_framework.test import APIClient

    world = town.world
    notice = draft(world)
    services.publish(world.supervisor, notice, now=DAYTIME)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Resident {resident_token(world.residents['tenant'])}")
    rows = api.get("/api/portal/v1/notices/").json()
    assert [(r["title"], r["read"]) for r in rows] == [("停水通知", False)]
    detail = api.get(f"/api/portal/v1/notices/{notice.pk}/").json()
    assert detail["read"] is True and "停水" in detail["body"]
    assert api.get("/api/portal/v1/notices/").json()[0]["read"] is True
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Resident {resident_token(world.residents['other_owner'])}")
    assert other.get(f"/api/portal/v1/notices/{notice.pk}/").status_code == 404
    assert APIClient().get("/api/portal/v1/notices/").status_code in (401, 403)


# ---------------------------------------------------------------- the staff API


def test_staff_api_writes_publishes_counts_and_withdraws(town, api_for):
    world = town.world
    clerk = api_for(world.staff["cs_assistant"])
    body = {
        "estate": world.estate.pk,
        "title": "停水通知",
        "body": "12 月 5 日停水。",
        "audience": "units",
        "units": [world.units["3-2-1502"].pk, world.units["3-1-0801"].pk],
        "valid_from": "2026-12-03",
        "sms": True,
        "sms_text": "12月5日停水",
    }
    first = clerk.post("/api/v1/notices/", body, format="json", HTTP_IDEMPOTENCY_KEY="n-1")
    again = clerk.post("/api/v1/notices/", body, format="json", HTTP_IDEMPOTENCY_KEY="n-1")
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Notice.objects.count() == 1
    pk = first.json()["id"]
    assert clerk.post(f"/api/v1/notices/{pk}/publish/").status_code == 403
    boss = api_for(world.supervisor)
    published = boss.post(f"/api/v1/notices/{pk}/publish/").json()
    assert (published["status"], published["reached"], published["unread"]) == ("published", 2, 2)
    assert boss.post(f"/api/v1/notices/{pk}/publish/").status_code == 409
    services.mark_read(Notice.objects.get(pk=pk), world.residents["owner"])
    unread = boss.get(f"/api/v1/notices/{pk}/unread-households/").json()
    assert [(u["home"], u["residents"][0]["phones"]) for u in unread] == [("3栋1单元0801", ["139****1111"])]
    too_long = clerk.post("/api/v1/notices/", {**body, "sms_text": "停" * 290}, format="json")
    assert too_long.status_code == 400 and "超过上限" in too_long.json()["sms_text"][0]
    foreign = clerk.post(
        "/api/v1/notices/", {**body, "units": [world.units["other-1-101"].pk]}, format="json"
    )
    assert foreign.status_code == 400
    assert boss.delete(f"/api/v1/notices/{pk}/").status_code == 405
    withdrawn = boss.post(f"/api/v1/notices/{pk}/withdraw/", {"reason": "改期"}, format="json").json()
    assert withdrawn["status"] == "withdrawn" and withdrawn["events"][-1]["kind"] == "withdrawn"
    renewal = clerk.post(
        "/api/v1/notices/board-renewals/", {"estate": world.estate.pk, "note": "更换"}, format="json"
    )
    assert renewal.status_code == 201
    opt = clerk.post(
        "/api/v1/notices/sms-opt-out/",
        {"resident": world.residents["tenant"].pk, "opt_out": True},
        format="json",
    )
    assert opt.json() == {"resident": world.residents["tenant"].pk, "opt_out": True}
