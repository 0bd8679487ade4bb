"""The cases API: idempotent intake, queues and search, the case file, actions, attachments, no deleting."""

from __future__ import annotations

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shouwen.cases import services
from shouwen.cases.models import Attachment, Case, CaseEvent, Contact, Handover, IdempotencyRecord

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Keep uploaded files out of the project's var/ directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


def body(world, **kw):
    data = {
        "estate": world.estate.pk,
        "channel": "phone",
        "category": "complaint",
        "content": "3号楼电梯困人，业主被困二十分钟",
        "caller_name": "张先生",
        "caller_phone": "13812345678",
        "resident": world.residents["owner"].pk,
        "unit": world.units["3-2-1502"].pk,
    }
    data.update(kw)
    return data


def numbers(response):
    return [row["number"] for row in response.json()["results"]]


# --- intake -----------------------------------------------------------------------------


def test_registering_a_case_returns_the_case_file(world, api_for):
    response = api_for(world.clerk).post("/api/v1/cases/", body(world), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"].startswith("LJY-")
    assert data["status"] == "open"
    assert data["accountable"] == {"id": world.clerk.pk, "name": "王丽", "staff_no": "LJ001"}
    assert data["first_contact"]["id"] == world.clerk.pk
    assert data["caller_phone"] == "138****5678"
    assert data["content"] == "3号楼电梯困人，业主被困二十分钟"
    assert [link["holder"]["id"] for link in data["chain"]] == [world.clerk.pk]
    assert data["chain"][0]["via"] == "registered"


def test_same_idempotency_key_twice_gives_one_case(world, api_for):
    api = api_for(world.clerk)
    first = api.post("/api/v1/cases/", body(world), format="json", HTTP_IDEMPOTENCY_KEY="tablet-7f3a")
    again = api.post("/api/v1/cases/", body(world), format="json", HTTP_IDEMPOTENCY_KEY="tablet-7f3a")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    assert Case.objects.count() == 1
    assert Contact.objects.count() == 1


def test_same_idempotency_key_with_other_content_is_409(world, api_for):
    api = api_for(world.clerk)
    api.post("/api/v1/cases/", body(world), format="json", HTTP_IDEMPOTENCY_KEY="tablet-7f3a")
    response = api.post(
        "/api/v1/cases/", body(world, content="厨房漏水"), format="json", HTTP_IDEMPOTENCY_KEY="tablet-7f3a"
    )
    assert response.status_code == 409
    assert "同一个 Idempotency-Key 已用于不同的登记内容" in response.json()["detail"]
    assert Case.objects.count() == 1


def test_an_idempotency_key_longer_than_100_characters_is_400(world, api_for):
    response = api_for(world.clerk).post(
        "/api/v1/cases/", body(world), format="json", HTTP_IDEMPOTENCY_KEY="k" * 101
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_invalid_request_with_a_key_stores_nothing_and_can_be_retried(world, api_for):
    api = api_for(world.clerk)
    bad = api.post("/api/v1/cases/", body(world, content=""), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    good = api.post("/api/v1/cases/", body(world), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert good.status_code == 201


def test_a_case_cannot_be_answered_on_the_spot(world, api_for):
    response = api_for(world.clerk).post(
        "/api/v1/cases/", body(world, answered_on_spot=True, answer="已解释"), format="json"
    )
    assert response.status_code == 400
    assert "answered_on_spot" in response.json()
    assert not Contact.objects.exists()


def test_contact_answered_on_spot_has_no_case(world, api_for):
    api = api_for(world.clerk)
    data = body(
        world, category="consultation", content="物业费怎么交", answered_on_spot=True, answer="可在手机缴纳"
    )
    response = api.post("/api/v1/contacts/", data, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert response.status_code == 201, response.content
    assert response.json()["case"] is None
    assert response.json()["caller_phone"] == "138****5678"
    assert api.post("/api/v1/contacts/", data, format="json", HTTP_IDEMPOTENCY_KEY="c-1").status_code == 200
    assert Contact.objects.count() == 1
    assert not Case.objects.exists()


def test_contact_that_opens_a_case_shows_it(world, api_for):
    response = api_for(world.clerk).post("/api/v1/contacts/", body(world), format="json")
    assert response.status_code == 201
    case = response.json()["case"]
    assert case["status"] == "open"
    assert case["accountable"]["staff_no"] == "LJ001"
    assert Case.objects.get().number == case["number"]


def test_on_spot_answer_must_be_written(world, api_for):
    data = body(world, category="consultation", answered_on_spot=True, answer=" ")
    response = api_for(world.clerk).post("/api/v1/contacts/", data, format="json")
    assert response.status_code == 400
    assert "当场答复的来电来访必须填写答复内容。" in str(response.json())


def test_ids_of_another_estate_are_refused(world, api_for):
    api = api_for(world.clerk)
    response = api.post("/api/v1/cases/", body(world, estate=world.other_estate.pk), format="json")
    assert response.status_code == 400
    assert "estate" in response.json()
    response = api.post("/api/v1/cases/", body(world, unit=world.units["other-1-101"].pk), format="json")
    assert response.status_code == 400
    assert "unit" in response.json()
    assert not Case.objects.exists()


def test_procedure_documents_are_checked_and_listed(world, api_for):
    from shouwen.procedures.models import Procedure

    proc = Procedure.objects.get(code="move_in_proxy")
    items = list(proc.items.order_by("order"))
    api = api_for(world.clerk)
    wrong = api.post(
        "/api/v1/cases/",
        body(
            world,
            category="move_in",
            channel="visit",
            content="代业主办理入住",
            procedure=proc.pk,
            documents_provided=[999999],
        ),
        format="json",
    )
    assert wrong.status_code == 400
    response = api.post(
        "/api/v1/cases/",
        body(
            world,
            category="move_in",
            channel="visit",
            content="代业主办理入住",
            procedure=proc.pk,
            documents_provided=[items[0].pk],
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "awaiting_documents"
    assert [d["provided"] for d in data["documents"]][:2] == [True, False]
    assert data["missing_documents"] == [i.text for i in items[1:] if i.required]
    number = data["number"]
    notice = api.post(f"/api/v1/cases/{number}/one-time-notice/", {"channel": "printed"}, format="json")
    assert notice.status_code == 201
    assert all(i.text in notice.json()["text"] for i in items[1:] if i.required)
    ticked = api.post(
        f"/api/v1/cases/{number}/documents/", {"item_ids": [i.pk for i in items[1:]]}, format="json"
    )
    assert ticked.status_code == 200
    assert ticked.json()["missing_documents"] == []
    accepted = api.post(f"/api/v1/cases/{number}/accept-for-processing/", {}, format="json")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "open"


# --- queues and search ------------------------------------------------------------------


def test_chinese_full_text_search(world, api_for):
    lift = world.register(content="3号楼电梯困人")
    world.register(content="楼道灯不亮", resident=None, unit=None)
    api = api_for(world.clerk)
    assert numbers(api.get("/api/v1/cases/", {"q": "电梯"})) == [lift.number]
    assert numbers(api.get("/api/v1/cases/", {"q": "漏水"})) == []


def test_search_by_the_last_four_digits_of_the_residents_phone(world, api_for):
    owners = world.register(caller_phone="")
    world.register(resident=world.residents["tenant"], unit=world.units["3-1-0801"], caller_phone="")
    api = api_for(world.clerk)
    assert numbers(api.get("/api/v1/cases/", {"q": "5678"})) == [owners.number]
    assert numbers(api.get("/api/v1/cases/", {"q": owners.number})) == [owners.number]


def test_list_rows_show_the_accountable_person_and_pending_handover(world, api_for):
    case = world.register()
    services.hand_over(world.clerk, case, to_department=world.departments["engineering"], note="请工程部处理")
    row = api_for(world.clerk).get("/api/v1/cases/").json()["results"][0]
    assert row["number"] == case.number
    assert row["accountable"] == {"id": world.clerk.pk, "name": "王丽", "staff_no": "LJ001"}
    assert row["pending_handover"] is True
    assert row["estate"] == world.estate.pk
    assert row["department"] == world.clerk.department_id
    assert row["age_seconds"] >= 0
    assert row["status"] == "open" and row["category"] == "complaint"


def test_queues(world, api_for):
    mine = world.register()
    handed = world.register(content="楼道灯不亮")
    services.hand_over(
        world.clerk, handed, to_department=world.departments["engineering"], note="请工程部处理"
    )
    asked = world.register(content="外墙渗水")
    services.request_assignment(world.clerk, asked, note="不清楚归哪个部门")
    clerk = api_for(world.clerk)
    tech = api_for(world.technician)
    assert set(numbers(clerk.get("/api/v1/cases/", {"queue": "mine"}))) == {
        mine.number,
        handed.number,
        asked.number,
    }
    assert numbers(tech.get("/api/v1/cases/", {"queue": "mine"})) == []
    assert numbers(tech.get("/api/v1/cases/", {"queue": "handovers_for_me"})) == [handed.number]
    assert numbers(tech.get("/api/v1/cases/", {"queue": "department_unassigned"})) == [handed.number]
    assert numbers(clerk.get("/api/v1/cases/", {"queue": "handovers_for_me"})) == []
    assert numbers(clerk.get("/api/v1/cases/", {"queue": "assignment_requests"})) == [asked.number]
    assert len(numbers(tech.get("/api/v1/cases/", {"queue": "estate_open"}))) == 3
    assert clerk.get("/api/v1/cases/", {"queue": "nonsense"}).status_code == 400
    assert clerk.get("/api/v1/cases/", {"status": "nonsense"}).status_code == 400


def test_list_filters(world, api_for):
    complaint = world.register()
    consultation = world.register(category="consultation", content="装修时间规定")
    services.resolve_case(world.clerk, consultation, resolution="已电话答复")
    api = api_for(world.clerk)
    assert numbers(api.get("/api/v1/cases/", {"category": "complaint"})) == [complaint.number]
    assert numbers(api.get("/api/v1/cases/", {"status": "closed"})) == [consultation.number]
    assert numbers(api.get("/api/v1/cases/", {"estate": world.other_estate.pk})) == []


def test_contact_list_filters(world, api_for):
    world.register()
    world.register(channel="visit", category="consultation", content="装修时间规定")
    api = api_for(world.clerk)
    assert len(api.get("/api/v1/contacts/").json()["results"]) == 2
    assert [c["channel"] for c in api.get("/api/v1/contacts/", {"channel": "visit"}).json()["results"]] == [
        "visit"
    ]
    assert len(api.get("/api/v1/contacts/", {"category": "complaint"}).json()["results"]) == 1
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    assert (
        len(api.get("/api/v1/contacts/", {"received_from": today, "received_to": today}).json()["results"])
        == 2
    )
    assert api.get("/api/v1/contacts/", {"received_to": "2000-01-01"}).json()["results"] == []
    assert api.get("/api/v1/contacts/", {"received_from": "昨天"}).status_code == 400


def test_case_list_needs_a_fixed_number_of_queries(world, api_for):
    api = api_for(world.clerk)
    api.get("/api/v1/cases/")  # warm up: token and session lookups are the same for each request

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/cases/").status_code == 200
        return len(ctx.captured_queries)

    world.register()
    few = count()
    for i in range(4):
        case = world.register(content=f"第{i}号事项")
        services.hand_over(world.clerk, case, to_staff=world.technician, note="请处理")
    assert count() == few


def test_list_count_is_exact_up_to_the_cap_then_capped_with_working_links(world, api_for, monkeypatch):
    from shouwen.api.pagination import BoundedLimitOffsetPagination

    monkeypatch.setattr(BoundedLimitOffsetPagination, "count_cap", 4)
    for i in range(6):
        world.register(content=f"第{i}号事项")
    api = api_for(world.clerk)

    few = api.get("/api/v1/cases/", {"category": "complaint", "limit": 2}).json()
    assert few["count"] == 4 and few["count_capped"] is True  # six cases: counting stopped at four
    assert len(few["results"]) == 2 and "offset=2" in few["next"]

    page = api.get("/api/v1/cases/", {"limit": 2, "offset": 2}).json()
    assert page["count"] == 4 and page["count_capped"] is True and "offset=4" in page["next"]
    page = api.get("/api/v1/cases/", {"limit": 2, "offset": 4}).json()
    # past the cap the count reaches the page asked for: the last page knows it is the last
    assert page["count"] == 6 and page["count_capped"] is False and page["next"] is None
    assert len(page["results"]) == 2
    walked = []
    url = "/api/v1/cases/?limit=4"
    while url:
        data = api.get(url).json()
        walked += [row["number"] for row in data["results"]]
        url = data["next"]
    assert len(walked) == len(set(walked)) == 6

    monkeypatch.setattr(BoundedLimitOffsetPagination, "count_cap", 10)
    exact = api.get("/api/v1/cases/").json()
    assert exact["count"] == 6 and exact["count_capped"] is False and exact["next"] is None


def test_list_count_stops_counting_at_the_cap(world, api_for, monkeypatch):
    """The count query carries a LIMIT, so its cost does not grow with the history behind it."""
    from shouwen.api.pagination import BoundedLimitOffsetPagination

    monkeypatch.setattr(BoundedLimitOffsetPagination, "count_cap", 4)
    world.register()
    api = api_for(world.clerk)
    with CaptureQueriesContext(connection) as ctx:
        assert api.get("/api/v1/cases/").status_code == 200
    counts = [
        q["sql"]
        for q in ctx.captured_queries
        if "COUNT(" in q["sql"].upper() and "shouwen_cache" not in q["sql"]  # the throttle's cache table
    ]
    assert counts and all("LIMIT 5" in sql for sql in counts), counts


# --- the other estate -------------------------------------------------------------------


def test_other_estate_technician_cannot_see_or_touch_the_case(world, api_for):
    case = world.register()
    contact = case.origin
    api = api_for(world.staff["other_technician"])
    assert api.get(f"/api/v1/cases/{case.number}/").status_code == 404
    assert case.number not in numbers(api.get("/api/v1/cases/"))
    assert case.number not in numbers(api.get("/api/v1/cases/", {"q": case.number}))
    assert api.get(f"/api/v1/contacts/{contact.pk}/").status_code == 404
    assert api.get("/api/v1/contacts/").json()["results"] == []
    assert api.post(f"/api/v1/cases/{case.number}/notes/", {"text": "看看"}, format="json").status_code == 404


# --- no deleting, no editing ------------------------------------------------------------


def test_cases_and_contacts_cannot_be_deleted_or_edited(world, api_for):
    case = world.register()
    api = api_for(world.staff["admin"])
    assert api.delete(f"/api/v1/cases/{case.number}/").status_code == 405
    assert api.delete(f"/api/v1/contacts/{case.origin_id}/").status_code == 405
    assert api.patch(f"/api/v1/cases/{case.number}/", {"summary": "x"}, format="json").status_code == 405
    assert api.put(f"/api/v1/contacts/{case.origin_id}/", {"content": "x"}, format="json").status_code == 405
    assert Case.objects.filter(pk=case.pk, summary=case.summary).exists()
    assert Contact.objects.filter(pk=case.origin_id).exists()


# --- the accountability chain through the API -------------------------------------------


def test_hand_over_then_accept_shows_the_chain(world, api_for):
    number = api_for(world.clerk).post("/api/v1/cases/", body(world), format="json").json()["number"]
    clerk = api_for(world.clerk)
    tech = api_for(world.technician)
    handed = clerk.post(
        f"/api/v1/cases/{number}/hand-over/",
        {"to_department": world.departments["engineering"].pk, "note": "电梯困人，请工程部处理"},
        format="json",
    )
    assert handed.status_code == 200, handed.content
    data = handed.json()
    assert data["accountable"]["id"] == world.clerk.pk  # the giver stays accountable until accepted
    assert data["pending_handover"]["to_department"]["id"] == world.departments["engineering"].pk
    assert data["pending_handover"]["note"] == "电梯困人，请工程部处理"
    assert "cancel_handover" in {a["code"] for a in data["allowed_actions"]}
    offered = {a["code"]: a["label"] for a in tech.get(f"/api/v1/cases/{number}/").json()["allowed_actions"]}
    assert offered["accept_handover"] == "接收"

    accepted = tech.post(f"/api/v1/cases/{number}/accept-handover/", {}, format="json")
    assert accepted.status_code == 200, accepted.content
    data = accepted.json()
    assert data["accountable"]["id"] == world.technician.pk
    assert data["pending_handover"] is None
    chain = data["chain"]
    assert [link["holder"]["name"] for link in chain] == ["王丽", "刘师傅"]
    assert [link["via"] for link in chain] == ["registered", "handover"]
    assert chain[0]["ended_at"] == chain[1]["started_at"]
    assert chain[1]["ended_at"] is None
    assert chain[1]["note"] == "电梯困人，请工程部处理"
    assert isinstance(chain[0]["duration_seconds"], int)
    kinds = [e["kind"] for e in data["events"]]
    assert kinds == ["registered", "handover", "handover_accepted"]
    assert data["events"][2]["actor"]["id"] == world.technician.pk
    assert data["events"][2]["kind_display"] == "接收转办"


def test_accepting_a_handover_twice_is_409(world, api_for):
    case = world.register()
    handover = services.hand_over(world.clerk, case, to_staff=world.technician, note="请上门查看")
    tech = api_for(world.technician)
    first = tech.post(
        f"/api/v1/cases/{case.number}/accept-handover/", {"handover": handover.pk}, format="json"
    )
    assert first.status_code == 200
    again = tech.post(
        f"/api/v1/cases/{case.number}/accept-handover/", {"handover": handover.pk}, format="json"
    )
    assert again.status_code == 409
    assert "该转办已被处理" in again.json()["detail"]
    assert tech.post(f"/api/v1/cases/{case.number}/accept-handover/", {}, format="json").status_code == 409


def test_only_the_receiver_may_accept(world, api_for):
    case = world.register()
    services.hand_over(world.clerk, case, to_staff=world.technician, note="请上门查看")
    response = api_for(world.staff["security"]).post(
        f"/api/v1/cases/{case.number}/accept-handover/", {}, format="json"
    )
    assert response.status_code == 403
    assert "接收" in response.json()["detail"]


def test_return_and_cancel_handover(world, api_for):
    case = world.register()
    services.hand_over(world.clerk, case, to_staff=world.technician, note="请上门查看")
    tech = api_for(world.technician)
    no_reason = tech.post(f"/api/v1/cases/{case.number}/return-handover/", {}, format="json")
    assert no_reason.status_code == 400
    assert "退回必须说明原因。" in str(no_reason.json())
    returned = tech.post(
        f"/api/v1/cases/{case.number}/return-handover/", {"reason": "不归工程部"}, format="json"
    )
    assert returned.status_code == 200
    assert returned.json()["pending_handover"] is None
    assert Handover.objects.get().status == "returned"
    services.hand_over(world.clerk, case, to_staff=world.technician, note="再请查看")
    cancelled = api_for(world.clerk).post(
        f"/api/v1/cases/{case.number}/cancel-handover/", {"reason": "已解决"}, format="json"
    )
    assert cancelled.status_code == 200
    assert Handover.objects.filter(status="cancelled").count() == 1


def test_hand_over_to_staff_of_another_estate_is_refused(world, api_for):
    case = world.register()
    response = api_for(world.clerk).post(
        f"/api/v1/cases/{case.number}/hand-over/",
        {"to_staff": world.staff["other_technician"].pk, "note": "请处理"},
        format="json",
    )
    assert response.status_code == 400
    assert "to_staff" in response.json()
    assert not Handover.objects.exists()


def test_keep_request_assignment_and_reassign(world, api_for):
    case = world.register()
    clerk = api_for(world.clerk)
    kept = clerk.post(
        f"/api/v1/cases/{case.number}/keep-in-stead/",
        {"department": world.departments["engineering"].pk},
        format="json",
    )
    assert kept.status_code == 200
    asked = clerk.post(
        f"/api/v1/cases/{case.number}/request-assignment/", {"note": "不清楚归谁"}, format="json"
    )
    assert asked.json()["assignment_requested"] is True
    denied = clerk.post(
        f"/api/v1/cases/{case.number}/reassign/",
        {"to_staff": world.technician.pk, "note": "x"},
        format="json",
    )
    assert denied.status_code == 403
    named = api_for(world.supervisor).post(
        f"/api/v1/cases/{case.number}/reassign/",
        {"to_staff": world.technician.pk, "note": "由刘师傅处理"},
        format="json",
    )
    assert named.status_code == 200
    assert named.json()["accountable"]["id"] == world.technician.pk
    assert named.json()["chain"][-1]["via"] == "reassigned"


# --- handling ---------------------------------------------------------------------------


def test_void_needs_a_supervisor_and_a_reason(world, api_for):
    case = world.register()
    url = f"/api/v1/cases/{case.number}/void/"
    by_clerk = api_for(world.clerk).post(url, {"reason": "重复登记"}, format="json")
    assert by_clerk.status_code == 403
    assert "作废" in by_clerk.json()["detail"]
    supervisor = api_for(world.supervisor)
    no_reason = supervisor.post(url, {}, format="json")
    assert no_reason.status_code == 400
    assert "作废必须填写原因。" in str(no_reason.json())
    voided = supervisor.post(url, {"reason": "重复登记"}, format="json")
    assert voided.status_code == 200
    assert voided.json()["status"] == "void"
    assert voided.json()["accountable"] is None
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.VOIDED)
    assert event.actor == world.supervisor
    assert event.text == "重复登记"
    assert voided.json()["events"][-1] == {
        "at": voided.json()["events"][-1]["at"],
        "actor": {"id": world.supervisor.pk, "name": "李强", "staff_no": "LJ003"},
        "kind": "voided",
        "kind_display": "作废",
        "text": "重复登记",
    }


def test_resolve_reopen_close_and_attribution(world, api_for):
    case = world.register()
    api = api_for(world.clerk)
    url = f"/api/v1/cases/{case.number}/"
    assert (
        api.post(
            url + "attribution/", {"attribution": "property", "note": "电梯维保不到位"}, format="json"
        ).json()["attribution"]
        == "property"
    )
    assert api.post(url + "resolve/", {}, format="json").status_code == 400
    resolved = api.post(url + "resolve/", {"resolution": "已救出，电梯已修复"}, format="json")
    assert resolved.json()["status"] == "resolved"
    assert api.post(url + "reopen/", {"reason": "住户不满意"}, format="json").json()["status"] == "open"
    api.post(url + "resolve/", {"resolution": "已更换门机"}, format="json")
    # A complaint closes after a satisfied return visit, or by a supervisor with a reason.
    assert api.post(url + "close/", {"note": "回访满意"}, format="json").status_code == 400
    closed = api_for(world.supervisor).post(url + "close/", {"note": "住户已搬走，无法回访"}, format="json")
    assert closed.json()["status"] == "closed"
    assert closed.json()["chain"][-1]["ended_at"] is not None


def test_decline_records_the_explanation(world, api_for):
    case = world.register(content="要求物业赔偿十万元")
    response = api_for(world.clerk).post(
        f"/api/v1/cases/{case.number}/decline/", {"explanation": "不属于物业责任范围"}, format="json"
    )
    assert response.json()["status"] == "declined"
    assert response.json()["status_reason"] == "不属于物业责任范围"


def test_notes_and_messages_are_kept_apart(world, api_for):
    case = world.register()
    api = api_for(world.clerk)
    note = api.post(f"/api/v1/cases/{case.number}/notes/", {"text": "业主情绪激动"}, format="json")
    assert note.status_code == 201
    assert note.json()["text"] == "业主情绪激动"
    api.post(
        f"/api/v1/cases/{case.number}/notes/", {"text": "维修师傅下午到", "to_resident": True}, format="json"
    )
    detail = api.get(f"/api/v1/cases/{case.number}/").json()
    assert [n["text"] for n in detail["internal_notes"]] == ["业主情绪激动"]
    assert [n["text"] for n in detail["messages_to_resident"]] == ["维修师傅下午到"]


def test_another_visit_is_counted(world, api_for):
    case = world.register()
    response = api_for(world.technician).post(
        f"/api/v1/cases/{case.number}/visits/",
        {"channel": "visit", "content": "业主再次来访催促"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["case"]["number"] == case.number
    case.refresh_from_db()
    assert case.visit_count == 1
    assert case.accountable == world.clerk


# --- attachments ------------------------------------------------------------------------


def test_png_upload_is_stored_and_served_only_within_the_estate(world, api_for):
    case = world.register()
    api = api_for(world.technician)
    upload = SimpleUploadedFile("  电梯照片.png ", PNG, content_type="image/png")
    response = api.post(f"/api/v1/cases/{case.number}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["name"] == "电梯照片.png"
    assert data["type"] == "image/png"
    assert data["size"] == len(PNG)
    attachment = Attachment.objects.get()
    assert attachment.file.name.endswith(".png")
    assert case.events.filter(kind=CaseEvent.Kind.ATTACHMENT, actor=world.technician).exists()
    detail = api.get(f"/api/v1/cases/{case.number}/").json()
    assert [a["name"] for a in detail["attachments"]] == ["电梯照片.png"]
    url = detail["attachments"][0]["url"]
    assert url.endswith(f"/api/v1/cases/{case.number}/attachments/{attachment.pk}/")

    served = api.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG
    assert api_for(world.staff["other_technician"]).get(url).status_code == 404
    assert api.get(f"/api/v1/cases/{case.number}/attachments/999999/").status_code == 404


def test_text_file_renamed_jpg_is_refused(world, api_for):
    case = world.register()
    fake = SimpleUploadedFile("photo.jpg", "这不是图片".encode(), content_type="image/jpeg")
    response = api_for(world.clerk).post(
        f"/api/v1/cases/{case.number}/attachments/", {"file": fake}, format="multipart"
    )
    assert response.status_code == 400
    assert "只能上传图片（JPG、PNG、WebP、GIF）或 PDF 文件" in str(response.json())
    assert not Attachment.objects.exists()


def test_pdf_is_accepted_whatever_its_name(world, api_for):
    case = world.register()
    upload = SimpleUploadedFile("scan", PDF, content_type="application/octet-stream")
    response = api_for(world.clerk).post(
        f"/api/v1/cases/{case.number}/attachments/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201
    assert response.json()["type"] == "application/pdf"


def test_too_large_file_is_refused(world, api_for, settings):
    settings.SHOUWEN_ATTACHMENT_MAX_MB = 1
    case = world.register()
    big = SimpleUploadedFile("big.png", PNG + b"\0" * (1024 * 1024), content_type="image/png")
    response = api_for(world.clerk).post(
        f"/api/v1/cases/{case.number}/attachments/", {"file": big}, format="multipart"
    )
    assert response.status_code == 400
    assert "文件不能超过 1 MB" in str(response.json())


def test_no_attachments_on_a_void_case(world, api_for):
    case = world.register()
    services.void_case(world.supervisor, case, reason="重复登记")
    upload = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    response = api_for(world.clerk).post(
        f"/api/v1/cases/{case.number}/attachments/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 403


# --- schema -----------------------------------------------------------------------------


def test_schema_documents_the_cases_api_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    paths = yaml.safe_load(out.read_text())["paths"]
    assert "/api/v1/cases/{number}/hand-over/" in paths
    assert "/api/v1/cases/{number}/attachments/{attachment_id}/" in paths
    for path in ("/api/v1/cases/", "/api/v1/contacts/"):
        names = [p["name"] for p in paths[path]["post"]["parameters"] if p["in"] == "header"]
        assert names == ["Idempotency-Key"]
    cases_and_contacts = {
        p: ops for p, ops in paths.items() if p.startswith(("/api/v1/cases", "/api/v1/contacts"))
    }
    assert not [p for p, ops in cases_and_contacts.items() if {"delete", "put", "patch"} & set(ops)]


def test_send_receipt_texts_the_caller_and_records_it(world, api_for):
    from shouwen.cases import services
    from shouwen.core.sms import LogSmsBackend

    case = services.register_contact(
        world.clerk,
        estate=world.estate,
        channel="phone",
        category="complaint",
        content="噪音扰民",
        caller_phone="13812345678",
    ).case
    before = len(LogSmsBackend.sent)
    response = api_for(world.clerk).post(f"/api/v1/cases/{case.number}/send-receipt/")
    assert response.status_code == 200
    phone, text = LogSmsBackend.sent[before]
    assert phone == "13812345678" and case.number in text and "工号LJ001" in text
    assert case.events.filter(kind="receipt_sent").exists()
