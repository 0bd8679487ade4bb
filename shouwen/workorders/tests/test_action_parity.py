"""Every work-order action, once by the phone page and once by the API, with the same input: the same outcome."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.workorders import services, transitions
from shouwen.workorders.models import Material, WorkOrder
from shouwen.workorders.tests.conftest import register_repair, signature_png

PNG_URL = "data:image/png;base64,"


def _dispatcher(world: Any) -> Any:
    person = world.supervisor
    assert can(person.user, Cap.WORKORDER_MANAGE)
    return person


def _created(world: Any) -> WorkOrder:
    case = register_repair(world)
    return services.create_work_order(
        _dispatcher(world), case, trade="plumbing", technicians=[world.technician]
    )


def _accepted(world: Any) -> WorkOrder:
    return services.accept_work_order(world.technician, _created(world))


def _on_way(world: Any) -> WorkOrder:
    return services.set_out(world.technician, _accepted(world))


def _arrived(world: Any) -> WorkOrder:
    return services.arrive(world.technician, _on_way(world))


def _diagnosed(world: Any) -> WorkOrder:
    return services.record_diagnosis(world.technician, _arrived(world), diagnosis="阀芯老化", plan="更换阀芯")


def _with_material(world: Any) -> WorkOrder:
    order = _diagnosed(world)
    services.add_material(
        world.technician, order, material=Material.objects.filter(active=True).first(), quantity=1
    )
    return order


def _charged(world: Any) -> WorkOrder:
    return services.set_charge(world.technician, _with_material(world), labour="30.00", paid=True)


def _done(world: Any) -> WorkOrder:
    return services.complete_work_order(world.technician, _charged(world))


def _signed(world: Any) -> WorkOrder:
    import base64

    data_url = PNG_URL + base64.b64encode(signature_png()).decode()
    return services.sign_work_order(
        world.technician, _done(world), data_url=data_url, opinion="", rating="satisfied"
    )


def _signature(_world: Any, _order: WorkOrder) -> dict[str, Any]:
    import base64

    return {
        "signature": PNG_URL + base64.b64encode(signature_png()).decode(),
        "rating": "satisfied",
        "opinion": "好",
    }


def _photo(_world: Any, _order: WorkOrder) -> dict[str, Any]:
    from shouwen.workorders.tests.conftest import signature_png as png

    return {"stage": "before", "file": SimpleUploadedFile("维修前.png", png(), "image/png")}


Scenario = tuple[Callable[[Any], WorkOrder], Callable[[Any], Any], Callable[[Any, WorkOrder], dict[str, Any]]]
SCENARIOS: dict[str, Scenario] = {
    "assign": (_created, _dispatcher, lambda w, o: {"technicians": [w.staff["engineering_head"].pk]}),
    "accept": (_created, lambda w: w.technician, lambda w, o: {}),
    "set_out": (_accepted, lambda w: w.technician, lambda w, o: {}),
    "arrive": (_on_way, lambda w: w.technician, lambda w, o: {}),
    "diagnose": (
        _arrived,
        lambda w: w.technician,
        lambda w, o: {"diagnosis": "阀芯老化", "plan": "更换阀芯", "responsibility": "property"},
    ),
    "add_material": (
        _diagnosed,
        lambda w: w.technician,
        lambda w, o: {"material": Material.objects.filter(active=True).first().pk, "quantity": "2"},
    ),
    "void_material": (_with_material, lambda w: w.technician, lambda w, o: {"line": o.materials.get().pk}),
    "set_charge": (_with_material, lambda w: w.technician, lambda w, o: {"labour": "30.00", "paid": True}),
    "add_photo": (_arrived, lambda w: w.technician, _photo),
    "complete": (_charged, lambda w: w.technician, lambda w, o: {}),
    "sign": (_done, lambda w: w.technician, _signature),
    "refuse_signature": (
        _done,
        lambda w: w.technician,
        lambda w, o: {"reason": "对维修不满意", "opinion": ""},
    ),
    "record_payment": (
        _signed,
        lambda w: w.technician,
        lambda w, o: {"method": "cash", "amount": str(o.total), "receipt_no": "R-0001"},
    ),
    "cancel": (_created, _dispatcher, lambda w, o: {"reason": "住户已自行修好"}),
    "rework": (_signed, _dispatcher, lambda w, o: {"reason": "又漏水了"}),
    "reinspect": (_signed, _dispatcher, lambda w, o: {"note": "和住户一起复检"}),
}


def _snapshot(order: WorkOrder) -> dict[str, Any]:
    """Return everything an action may change on an order and its case, without what differs between twins."""
    order.refresh_from_db()
    case = order.case
    case.refresh_from_db()
    return {
        "state": order.state,
        "version": order.version,
        "crew": list(
            order.crew.filter(removed_at__isnull=True).order_by("position").values_list("staff_id", flat=True)
        ),
        "diagnosis": (order.diagnosis, order.plan, order.responsibility),
        "materials": [(m.name, m.quantity, m.voided_at is not None) for m in order.materials.order_by("pk")],
        "money": (order.labour, order.materials_total, order.total, order.paid, order.paid_at is not None),
        "signed": (
            order.signature_settled,
            order.resident_rating,
            order.resident_opinion,
            order.signature_refused_reason,
        ),
        "photos": order.photos.count(),
        "cancel_reason": order.cancel_reason,
        "followers": list(WorkOrder.objects.filter(rework_of=order).values_list("kind", "state")),
        "case": (case.status, case.version),
        "events": [e.kind for e in case.events.order_by("at", "pk")],
    }


def _by_page(client: Any, order: WorkOrder, code: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    response = client.post(reverse("mobile:act", args=[order.number, code]), data, follow=True)
    assert response.status_code == 200
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def _by_api(api: Any, order: WorkOrder, code: str, data: dict[str, Any]) -> Any:
    path = f"/api/v1/work-orders/{order.number}/{transitions.ACTIONS[code].api_path}/"
    multipart = any(isinstance(v, SimpleUploadedFile) for v in data.values())
    return api.post(path, data, format="multipart" if multipart else "json")


def test_every_row_of_the_work_order_table_has_a_scenario_here():
    assert set(transitions.ACTIONS) == set(SCENARIOS)


def test_every_row_is_reachable_by_page_and_by_api():
    from shouwen.api.views.workorders import WorkOrderViewSet

    routes = {a.url_path for a in WorkOrderViewSet.get_extra_actions()}
    for row in transitions.TABLE:
        assert row.page and reverse("mobile:act", args=["LJY-20261201-0001-W1", row.code])
        assert row.api_path in routes, row.code


@pytest.mark.parametrize("code", sorted(SCENARIOS))
def test_page_and_api_give_the_same_outcome(code, world, client_for, api_for):
    make_order, actor_of, data_of = SCENARIOS[code]
    actor = actor_of(world)
    by_page, by_api = make_order(world), make_order(world)
    messages = _by_page(client_for(actor), by_page, code, data_of(world, by_page))
    response = _by_api(api_for(actor), by_api, code, data_of(world, by_api))
    assert [level for level, _text in messages] == ["success"], messages
    assert response.status_code in (200, 201), response.content
    assert _snapshot(by_page) == _snapshot(by_api)


@pytest.mark.parametrize("code", sorted(SCENARIOS))
def test_a_refusal_refuses_through_both_doors(code, world, client_for, api_for):
    """The front-desk clerk may see the order but takes no technician's or dispatcher's step."""
    make_order, _actor_of, data_of = SCENARIOS[code]
    outsider = world.staff["security"]
    by_page, by_api = make_order(world), make_order(world)
    before = _snapshot(by_page)
    assert not transitions.allows(code, outsider, by_page)
    messages = _by_page(client_for(outsider), by_page, code, data_of(world, by_page))
    response = _by_api(api_for(outsider), by_api, code, data_of(world, by_api))
    assert [level for level, _text in messages] in (["error"], [])
    assert response.status_code in (403, 404)
    assert _snapshot(by_page) == _snapshot(by_api) == before


def test_money_is_read_the_same_way(world, client_for, api_for):
    by_page, by_api = _with_material(world), _with_material(world)
    _by_page(client_for(world.technician), by_page, "set_charge", {"labour": "12.50", "paid": "1"})
    _by_api(api_for(world.technician), by_api, "set_charge", {"labour": "12.50", "paid": True})
    assert _snapshot(by_page)["money"] == _snapshot(by_api)["money"]
    assert _snapshot(by_page)["money"][0] == Decimal("12.50")
