"""The resident's pages: own matters only, reporting with photos, adding information, visit, cancel."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shouwen.cases import services as case_services
from shouwen.cases.models import Attachment, CaseEvent, CaseStatus
from shouwen.followups.models import ReturnVisit, VisitStatus
from shouwen.portal import services
from shouwen.portal.models import CancelRequest
from shouwen.portal.testing import sign_in_resident

pytestmark = pytest.mark.django_db


def photo(name: str = "leak.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def owner_client(world, client):
    sign_in_resident(client, world.residents["owner"])
    return client


def test_home_lists_only_own_matters(world, owner_client):
    mine = world.register()
    theirs = world.register(
        resident=world.residents["tenant"], unit=world.units["3-1-0801"], content="李娜的事"
    )
    html = owner_client.get("/r/").content.decode()
    assert mine.number in html and theirs.number not in html
    assert "3-2-1502" in html or "1502" in html
    # Another household's matter is "not found", not forbidden (nothing tells it exists).
    assert owner_client.get(f"/r/matters/{theirs.pk}/").status_code == 404
    assert owner_client.post(f"/r/matters/{theirs.pk}/add/", {"text": "x"}).status_code == 404
    assert owner_client.post(f"/r/matters/{theirs.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert (
        owner_client.post(f"/r/matters/{theirs.pk}/visit/", {"satisfaction": "satisfied"}).status_code == 404
    )


def test_report_registers_a_web_contact_with_the_desk_as_first_contact(world, owner_client):
    response = owner_client.post(
        "/r/report/",
        {
            "category": "household_repair",
            "unit": world.units["3-2-1502"].pk,
            "content": "卫生间天花板漏水",
            "preferred_time": "周六上午",
            "photos": [photo(), photo("second.jpg")],
            "key": "form-1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = world.residents["owner"].cases.get()
    assert response["Location"] == f"/r/matters/{case.pk}/"
    assert case.origin.channel == "web" and case.origin.get_channel_display() == "网站/手机"
    # No roster: the customer-service department's head takes it.
    assert case.first_contact == world.supervisor and case.accountable == world.supervisor
    assert case.unit == world.units["3-2-1502"] and case.urgency == "urgent"
    assert case.deadlines.exists()
    assert Attachment.objects.filter(case=case).count() == 2
    assert (
        CaseEvent.objects.filter(
            case=case, kind="attachment", data__by_resident=world.residents["owner"].pk
        ).count()
        == 2
    )
    page = owner_client.get(response["Location"]).content.decode()
    assert case.number in page and "已受理" in page
    assert "李（工号 LJ003）" in page and "李强" not in page
    # The same form sent twice is one case.
    again = owner_client.post(
        "/r/report/",
        {
            "category": "household_repair",
            "unit": world.units["3-2-1502"].pk,
            "content": "卫生间天花板漏水",
            "preferred_time": "周六上午",
            "photos": [photo(), photo("second.jpg")],
            "key": "form-1",
        },
    )
    assert again.status_code == 302 and world.residents["owner"].cases.count() == 1


def test_report_takes_the_desk_on_duty(world):
    from datetime import timedelta

    from django.utils import timezone

    from shouwen.duty.models import RosterEntry, Shift

    shift = Shift.objects.filter(estate=world.estate).first()
    if shift is None:
        from shouwen.duty.roster import shifts_of

        shift = shifts_of(world.estate)[0]
    now = timezone.localtime()
    for day in (now.date() - timedelta(days=1), now.date()):
        for s in Shift.objects.filter(estate=world.estate):
            RosterEntry.objects.create(
                estate=world.estate, date=day, shift=s, staff=world.staff["cs_assistant"]
            )
    assert services.desk_owner(world.estate) == world.staff["cs_assistant"]
    case, created = services.report(world.residents["owner"], category="complaint", content="楼下噪音")
    assert created and case.first_contact == world.staff["cs_assistant"]


def test_bad_photo_registers_nothing_and_keeps_the_words(world, owner_client):
    fake = SimpleUploadedFile("x.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = owner_client.post(
        "/r/report/", {"category": "complaint", "content": "垃圾没人清理", "photos": [fake], "key": "k2"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "只能上传图片" in html and "垃圾没人清理" in html
    assert not world.residents["owner"].cases.exists()


def test_report_refuses_another_households_unit(world):
    with pytest.raises(Exception) as error:
        services.report(
            world.residents["owner"],
            category="household_repair",
            content="漏水",
            unit=world.units["3-1-0801"],
        )
    assert "unit" in error.value.message_dict


def test_timeline_hides_internal_notes_and_staff_names(world, owner_client):
    case = world.register()
    case_services.add_note(world.clerk, case, text="内部：这户常投诉")
    case_services.add_note(world.clerk, case, text="师傅明天上午到", to_resident=True)
    html = owner_client.get(f"/r/matters/{case.pk}/").content.decode()
    assert "师傅明天上午到" in html and "这户常投诉" not in html
    assert "王丽" not in html and "王（工号 LJ001）" in html


def test_add_information_and_cancel_request(world, owner_client):
    case = world.register()
    response = owner_client.post(
        f"/r/matters/{case.pk}/add/", {"text": "晚上八点后在家", "photos": [photo()]}
    )
    assert response.status_code == 302
    entry = case.events.get(kind="contact", data__by_resident=world.residents["owner"].pk)
    assert entry.actor is None and "晚上八点后在家" in entry.text
    assert world.clerk.notifications.filter(case=case).exists()
    assert owner_client.post(f"/r/matters/{case.pk}/add/", {"text": ""}).status_code == 400
    response = owner_client.post(f"/r/matters/{case.pk}/cancel/", {"reason": "已自行修好"})
    assert response.status_code == 302
    request = CancelRequest.objects.get(case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN  # a request, not a deletion
    assert owner_client.post(f"/r/matters/{case.pk}/cancel/", {"reason": "again"}).status_code == 400
    # The desk refuses it: the answer reaches the resident's page.
    services.decide_cancel(world.clerk, request, accept=False, answer="师傅已在路上，仍需上门检查")
    html = owner_client.get(f"/r/matters/{case.pk}/").content.decode()
    assert "师傅已在路上" in html


def test_cancel_accepted_by_a_supervisor_voids_the_case(world):
    case = world.register()
    request = services.request_cancel(world.residents["owner"], case, reason="误报")
    from shouwen.cases.transitions import CaseActionDenied

    with pytest.raises(CaseActionDenied):
        services.decide_cancel(world.clerk, request, accept=True, answer="好的")
    services.decide_cancel(world.supervisor, request, accept=True, answer="已为您撤销")
    case.refresh_from_db()
    assert case.status == CaseStatus.VOID
    request.refresh_from_db()
    assert request.status == "accepted" and request.handled_by == world.supervisor


def resolved(world):
    case = world.register()
    case_services.resolve_case(world.clerk, case, resolution="已联系电梯公司维修完毕")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    return case


def test_return_visit_by_the_resident_closes(world, owner_client):
    case = resolved(world)
    html = owner_client.get(f"/r/matters/{case.pk}/").content.decode()
    assert 'id="visit-form"' in html
    response = owner_client.post(
        f"/r/matters/{case.pk}/visit/", {"satisfaction": "very_satisfied", "comments": "很快"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    visit = ReturnVisit.objects.get(case=case)
    assert visit.status == VisitStatus.DONE and visit.channel == "portal"
    assert visit.by_resident == world.residents["owner"] and visit.visitor is None


def test_unsatisfied_answer_needs_words_and_reopens(world, owner_client):
    case = resolved(world)
    assert (
        owner_client.post(f"/r/matters/{case.pk}/visit/", {"satisfaction": "unsatisfied"}).status_code == 400
    )
    owner_client.post(
        f"/r/matters/{case.pk}/visit/", {"satisfaction": "unsatisfied", "comments": "电梯还是会停"}
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.accountable == world.clerk
    # No second answer to the same round.
    assert owner_client.post(f"/r/matters/{case.pk}/visit/", {"satisfaction": "satisfied"}).status_code == 400


def test_staff_cannot_record_a_visit_on_the_portal_channel(world):
    from django.core.exceptions import ValidationError

    from shouwen.followups.services import record_return_visit

    case = resolved(world)
    visit = ReturnVisit.objects.get(case=case)
    with pytest.raises(ValidationError):
        record_return_visit(world.staff["cs_assistant"], visit, channel="portal", satisfaction="satisfied")


def test_desk_decides_cancel_requests_on_its_page(world, client_for):
    case = world.register()
    services.request_cancel(world.residents["owner"], case, reason="邻居已帮忙修好")
    desk = client_for(world.clerk)
    page = desk.get("/resident-portal/cancel-requests/").content.decode()
    assert case.number in page and "邻居已帮忙修好" in page
    assert 'id="cancel-request"' in desk.get(f"/cases/{case.number}/").content.decode()
    request = CancelRequest.objects.get()
    refused = desk.post(
        "/resident-portal/cancel-requests/", {"request": request.pk, "decision": "refuse", "answer": ""}
    )
    assert refused.status_code == 400
    done = desk.post(
        "/resident-portal/cancel-requests/",
        {"request": request.pk, "decision": "refuse", "answer": "仍需检查管道"},
    )
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == "refused" and request.handled_by == world.clerk
    # Staff of another estate see nothing of it.
    from django.test import Client

    from shouwen.core.testing import PASSWORD

    outsider = Client()
    outsider.post("/accounts/login/", {"username": "jishu2", "password": PASSWORD})
    assert outsider.get("/resident-portal/cancel-requests/").status_code in (200, 403)
    assert case.number not in outsider.get("/resident-portal/cancel-requests/").content.decode()
