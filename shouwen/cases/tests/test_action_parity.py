"""Every case action, once by the case page and once by the API, with the same input: the same outcome.

Pages and the API are generated from the rows of the case table (shouwen.cases.transitions), parse
with the same form and call the same service, so twin cases must end up alike whichever door the
action came through — and a refusal must refuse through both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from shouwen.cases import services, transitions
from shouwen.cases.models import Case, Contact
from shouwen.procedures.models import Procedure

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _register(world: Any, **kw: Any) -> Case:
    fields = {
        "estate": world.estate,
        "channel": "phone",
        "category": "complaint",
        "severity": "general",
        "content": "楼上装修噪音，晚上十点还在施工",
        "caller_phone": "13812345678",
        "resident": world.residents["owner"],
        "unit": world.units["3-2-1502"],
    }
    fields.update(kw)
    contact: Contact = services.register_contact(world.clerk, **fields)
    assert contact.case is not None
    return contact.case


def _procedure_case(world: Any) -> Case:
    proc = Procedure.objects.get(code="move_in_proxy")
    return _register(world, category="move_in", channel="visit", content="代业主办理入住", procedure=proc)


def _handed_over(world: Any) -> Case:
    case = _register(world)
    services.hand_over(world.clerk, case, to_department=world.departments["engineering"], note="请上门查看")
    return case


def _resolved(world: Any) -> Case:
    case = _register(world)
    services.resolve_case(world.clerk, case, resolution="已协调施工方停工")
    return case


def _paused(world: Any) -> Case:
    case = _register(world)
    services.pause_case(world.clerk, case, reason="parts", note="等配件")
    return case


def _emailed(world: Any) -> Case:
    """A case of a resident with an e-mail address, in an estate with a mailbox (replies go by e-mail)."""
    from shouwen.mailbox.models import Mailbox

    Mailbox.objects.get_or_create(
        estate=world.estate,
        defaults={
            "address": "desk@ljy.test",
            "imap_host": "imap.invalid",
            "username": "desk",
            "registrar": world.clerk,
        },
    )
    owner = world.residents["owner"]
    owner.email = "owner@home.test"
    owner.save()
    return _register(world)


# code → (the case it needs, who acts, the input); files are made fresh for each door.
Scenario = tuple[Callable[[Any], Case], Callable[[Any], Any], Callable[[Any, Case], dict[str, Any]]]
SCENARIOS: dict[str, Scenario] = {
    "hand_over": (
        _register,
        lambda w: w.clerk,
        lambda w, c: {"to_department": w.departments["engineering"].pk, "note": "请工程部处理"},
    ),
    "keep_in_stead": (
        _register,
        lambda w: w.clerk,
        lambda w, c: {"department": w.departments["engineering"].pk, "note": "工程部无人在岗"},
    ),
    "request_assignment": (_register, lambda w: w.clerk, lambda w, c: {"note": "不清楚归哪个部门"}),
    "accept_handover": (_handed_over, lambda w: w.technician, lambda w, c: {}),
    "return_handover": (_handed_over, lambda w: w.technician, lambda w, c: {"reason": "不属于工程部"}),
    "cancel_handover": (_handed_over, lambda w: w.clerk, lambda w, c: {"reason": "住户已自行解决"}),
    "reassign": (
        _register,
        lambda w: w.supervisor,
        lambda w, c: {"to_staff": w.technician.pk, "note": "刘师傅负责"},
    ),
    "chase": (_register, lambda w: w.supervisor, lambda w, c: {"note": "请今天内答复住户"}),
    "record_attribution": (
        _register,
        lambda w: w.clerk,
        lambda w, c: {"attribution": "contractor", "note": "装修施工方"},
    ),
    "correct": (
        _register,
        lambda w: w.clerk,
        lambda w, c: {
            "category": "complaint",
            "severity": "major",
            "unit_text": "",
            "public_area": w.lift.pk,
            "caller_phone": "13900001111",
            "requested_due": "2026-12-31",
            "reason": "漏登投诉等级",
        },
    ),
    "tick_documents": (
        _procedure_case,
        lambda w: w.clerk,
        lambda w, c: {"item_ids": [c.documents.order_by("item__order").first().item_id]},
    ),
    "give_notice": (_procedure_case, lambda w: w.clerk, lambda w, c: {"channel": "printed"}),
    "accept_for_processing": (
        _procedure_case,
        lambda w: w.supervisor,
        lambda w, c: {"override_reason": "业主出差，资料后补"},
    ),
    "record_visit": (
        _register,
        lambda w: w.clerk,
        lambda w, c: {"channel": "visit", "content": "住户再次来访"},
    ),
    "add_note": (_register, lambda w: w.clerk, lambda w, c: {"text": "住户情绪激动"}),
    "add_message": (_register, lambda w: w.clerk, lambda w, c: {"text": "已联系施工方，今晚停工"}),
    "reply_by_email": (_emailed, lambda w: w.clerk, lambda w, c: {"text": "已联系施工方，今晚停工"}),
    "attach": (
        _register,
        lambda w: w.clerk,
        lambda w, c: {"file": SimpleUploadedFile("现场.png", PNG, "image/png")},
    ),
    "resolve": (_register, lambda w: w.clerk, lambda w, c: {"resolution": "已协调施工方停工"}),
    "reopen": (_resolved, lambda w: w.clerk, lambda w, c: {"reason": "晚上又开始施工"}),
    "close": (_resolved, lambda w: w.supervisor, lambda w, c: {"note": "住户电话停机，无法回访"}),
    "decline": (
        _register,
        lambda w: w.clerk,
        lambda w, c: {"explanation": "要求物业赔偿误工费，不在服务范围"},
    ),
    "void": (_register, lambda w: w.supervisor, lambda w, c: {"reason": "重复登记"}),
    "send_receipt": (_register, lambda w: w.clerk, lambda w, c: {}),
    "pause": (_register, lambda w: w.clerk, lambda w, c: {"reason": "parts", "note": "等配件"}),
    "resume": (_paused, lambda w: w.clerk, lambda w, c: {"note": "配件到了"}),
}
# Recorded from the return-visit page and route of shouwen.followups (tested there).
OWN_PAGE = {"record_return_visit"}


def _snapshot(case: Case) -> dict[str, Any]:
    """Return everything an action may change on a case, without what differs between twins."""
    case.refresh_from_db()
    return {
        "status": case.status,
        "accountable": case.accountable_id,
        "department": case.department_id,
        "version": case.version,
        "paused": case.paused_since is not None,
        "attribution": case.attribution,
        "resolution": case.resolution,
        "status_reason": case.status_reason,
        "assignment_requested": case.assignment_requested,
        "events": [
            (e.kind, e.text.replace(case.number, "<number>")) for e in case.events.order_by("at", "pk")
        ],
        "notes": [(n.kind, n.text) for n in case.notes.order_by("pk")],
        "attachments": case.attachments.count(),
        "contacts": case.contacts.count(),
        "documents": sorted(case.documents.filter(provided=True).values_list("item_id", flat=True)),
        "notices": case.notices.count(),
        "handovers": sorted(case.handovers.values_list("status", flat=True)),
        "chain": [(r.holder_id, r.via) for r in case.responsibilities.order_by("started_at", "pk")],
    }


def _by_page(client: Any, case: Case, code: str, data: dict[str, Any]) -> list[str]:
    response = client.post(reverse("cases:act", args=[case.number, code]), data, follow=True)
    assert response.status_code == 200
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def _by_api(api: Any, case: Case, code: str, data: dict[str, Any]) -> Any:
    path = f"/api/v1/cases/{case.number}/{transitions.ACTIONS[code].api_path}/"
    multipart = any(isinstance(v, SimpleUploadedFile) for v in data.values())
    return api.post(path, data, format="multipart" if multipart else "json")


def test_every_row_of_the_case_table_has_a_scenario_here():
    assert set(transitions.ACTIONS) == set(SCENARIOS) | OWN_PAGE


def test_every_row_is_reachable_by_page_and_by_api():
    from shouwen.api.views.cases import CaseViewSet

    routes = {a.url_path for a in CaseViewSet.get_extra_actions()}
    for row in transitions.TABLE:
        if row.code in OWN_PAGE:
            assert not row.page and row.api_path is None
            assert reverse("followups:record", args=[1]) and reverse("api:return-visit-record", args=[1])
            continue
        assert row.page, row.code
        assert reverse("cases:act", args=["LJY-20261201-0001", row.code])
        assert row.api_path in routes, row.code
        try:
            reverse(f"api:case-{row.api_path}", args=["LJY-20261201-0001"])
        except NoReverseMatch:  # pragma: no cover - the assertion says which
            pytest.fail(f"no API route for {row.code}")


@pytest.mark.parametrize("code", sorted(SCENARIOS))
def test_page_and_api_give_the_same_outcome(code, world, client_for, api_for):
    make_case, actor_of, data_of = SCENARIOS[code]
    actor = actor_of(world)
    by_page, by_api = make_case(world), make_case(world)
    messages = _by_page(client_for(actor), by_page, code, data_of(world, by_page))
    response = _by_api(api_for(actor), by_api, code, data_of(world, by_api))
    assert [level for level, _text in messages] == ["success"], messages
    assert response.status_code in (200, 201), response.content
    assert _snapshot(by_page) == _snapshot(by_api)


@pytest.mark.parametrize("code", sorted(SCENARIOS))
def test_a_refusal_refuses_through_both_doors(code, world, client_for, api_for):
    """The cleaner serves the estate but holds no position on the case: what is refused is refused twice."""
    make_case, _actor_of, data_of = SCENARIOS[code]
    outsider = world.staff["cleaning"]
    by_page, by_api = make_case(world), make_case(world)
    before = _snapshot(by_page)
    allowed = transitions.allows(code, outsider, by_page)
    messages = _by_page(client_for(outsider), by_page, code, data_of(world, by_page))
    response = _by_api(api_for(outsider), by_api, code, data_of(world, by_api))
    assert _snapshot(by_page) == _snapshot(by_api)
    if not allowed:
        assert [level for level, _text in messages] == ["error"]
        assert response.status_code in (403, 404)
        assert _snapshot(by_page) == before


def test_a_complaint_cannot_carry_a_move_in_procedure_by_page_or_api(world, client_for, api_for):
    proc = Procedure.objects.get(code="move_in_proxy")
    body = {
        "estate": world.estate.pk,
        "channel": "phone",
        "category": "complaint",
        "content": "投诉保安态度差",
        "procedure": proc.pk,
    }
    page = client_for(world.clerk).post(reverse("cases:intake"), {**body, "token": "t-1"})
    assert page.status_code == 200 and "所选手续与类别不符" in page.content.decode()
    api = api_for(world.clerk).post("/api/v1/cases/", body, format="json")
    assert api.status_code == 400 and api.json()["procedure"] == ["所选手续与类别不符。"]
    assert not Case.objects.exists()


def test_a_checklist_item_of_another_procedure_is_refused_by_page_and_api(world, client_for, api_for):
    other_item = Procedure.objects.exclude(code="move_in_proxy").first().items.first()
    by_page, by_api = _procedure_case(world), _procedure_case(world)
    messages = _by_page(client_for(world.clerk), by_page, "tick_documents", {"item_ids": [other_item.pk]})
    response = _by_api(api_for(world.clerk), by_api, "tick_documents", {"item_ids": [other_item.pk]})
    assert messages == [("error", "所选资料不属于该事项的手续。")]
    assert response.status_code == 400 and response.json()["item_ids"] == ["所选资料不属于该事项的手续。"]
    assert _snapshot(by_page) == _snapshot(by_api)
    assert _snapshot(by_page)["documents"] == []
