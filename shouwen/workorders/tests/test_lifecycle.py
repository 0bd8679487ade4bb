"""A repair job from the work order to the resident's signature, and the case resolving at the end."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shouwen.cases import services as case_services
from shouwen.cases.models import CaseEvent, CaseStatus
from shouwen.cases.transitions import CaseActionDenied
from shouwen.notifications.models import Notification
from shouwen.workorders import services
from shouwen.workorders.models import Material, OrderKind, State, WorkOrder

from .conftest import register_repair


def material(name):
    return Material.objects.get(name=name)


def run_to_diagnosed(world, order, tech=None):
    tech = tech or world.technician
    services.accept_work_order(tech, order)
    services.set_out(tech, order)
    services.arrive(tech, order)
    return services.record_diagnosis(tech, order, diagnosis="阀芯磨损", plan="更换水龙头和角阀")


def finish(world, order, tech=None, paid=None, labour="30.00"):
    tech = tech or world.technician
    run_to_diagnosed(world, order, tech)
    services.set_charge(
        tech, order, labour=labour, paid=paid, override_reason="" if paid is None else "住户同意"
    )
    return services.complete_work_order(tech, order)


def test_work_order_number_is_the_case_number_with_a_suffix(world, repair_case):
    first = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    second = services.create_work_order(world.clerk, repair_case, trade="electrical")
    assert first.number == f"{repair_case.number}-W1"
    assert second.number == f"{repair_case.number}-W2"
    assert services.crew(first) == [world.technician]
    assert first.paid_proposed is True  # the 24-month plumbing warranty of 3-2-1502 is over


def test_technicians_are_notified_when_sent(world, repair_case):
    helper = world.staff["engineering_head"]
    order = services.create_work_order(
        world.clerk,
        repair_case,
        trade="plumbing",
        urgency="emergency",
        technicians=[world.technician, helper],
    )
    notes = Notification.objects.filter(case=repair_case).order_by("pk")
    assert [n.recipient for n in notes] == [world.technician, helper]
    assert order.number in notes[0].title and notes[0].urgent
    assert notes[0].url == f"/m/jobs/{order.number}/"


def test_every_step_is_on_the_case_timeline(world, repair_case, signature):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    run_to_diagnosed(world, order)
    services.add_material(world.technician, order, material=material("水龙头"), quantity="1")
    services.set_charge(world.technician, order, labour="30")
    services.complete_work_order(world.technician, order)
    services.sign_work_order(
        world.technician, order, data_url=signature, opinion="修得很好", rating="satisfied"
    )
    services.record_payment(world.technician, order, method="qr", amount="75.00", receipt_no="QR20261129001")
    steps = list(
        CaseEvent.objects.filter(case=repair_case, kind="work_order").values_list("data__step", flat=True)
    )
    assert steps == [
        "create",
        "accept",
        "set_out",
        "arrive",
        "diagnose",
        "add_material",
        "set_charge",
        "complete",
        "sign",
        "record_payment",
    ]
    order.refresh_from_db()
    assert order.total == Decimal("75.00") and order.paid_at is not None and order.signed_at is not None
    assert order.signature.read().startswith(b"\x89PNG")


def test_the_case_resolves_when_its_last_work_order_is_done(world, repair_case):
    plumbing = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    tiles = services.create_work_order(
        world.clerk, repair_case, trade="civil", technicians=[world.staff["engineering_head"]]
    )
    finish(world, plumbing)
    repair_case.refresh_from_db()
    assert repair_case.status == CaseStatus.OPEN  # the tiles are still to do
    finish(world, tiles, tech=world.staff["engineering_head"])
    repair_case.refresh_from_db()
    assert repair_case.status == CaseStatus.RESOLVED
    assert plumbing.number in repair_case.resolution and tiles.number in repair_case.resolution
    resolved = CaseEvent.objects.get(case=repair_case, kind="resolved")
    # The technician is not accountable, so the case is resolved in the accountable clerk's name.
    assert resolved.actor == world.clerk
    assert Notification.objects.filter(recipient=world.clerk, title__contains="已全部完工").exists()


def test_a_technician_who_is_accountable_resolves_in_their_own_name(world):
    case = register_repair(world, staff=world.technician)
    # The desk opens the order (WORKORDER_MANAGE); the technician holds the case and does the job.
    order = services.create_work_order(world.clerk, case, trade="plumbing", technicians=[world.technician])
    finish(world, order)
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert CaseEvent.objects.get(case=case, kind="resolved").actor == world.technician


def test_a_pending_handover_keeps_the_case_open_and_tells_the_holder(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    case_services.hand_over(
        world.clerk, repair_case, to_department=world.departments["engineering"], note="请工程部跟进"
    )
    finish(world, order)
    repair_case.refresh_from_db()
    assert repair_case.status == CaseStatus.OPEN
    assert "暂不能自动记为处理完成" in CaseEvent.objects.filter(case=repair_case).last().text


@pytest.mark.parametrize(
    ("step", "call"),
    [
        ("set_out before accept", lambda w, o: services.set_out(w.technician, o)),
        ("arrive before set out", lambda w, o: services.arrive(w.technician, o)),
        (
            "diagnose before arriving",
            lambda w, o: services.record_diagnosis(w.technician, o, diagnosis="x", plan="y"),
        ),
        ("complete before arriving", lambda w, o: services.complete_work_order(w.technician, o)),
        ("sign before done", lambda w, o: services.refuse_signature(w.technician, o, reason="不在家")),
    ],
)
def test_steps_out_of_order_are_refused(world, repair_case, step, call):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    with pytest.raises(CaseActionDenied):
        call(world, order)
    order.refresh_from_db()
    assert order.state == State.CREATED


def test_accepting_twice_is_refused(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    services.accept_work_order(world.technician, order)
    with pytest.raises(CaseActionDenied):
        services.accept_work_order(world.technician, order)


def test_a_stale_version_is_a_conflict(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    seen = order.version
    services.accept_work_order(world.technician, order, version=seen)
    with pytest.raises(services.WorkOrderConflict):
        services.set_out(world.technician, order, version=seen)


def test_completing_needs_the_charge_decided(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    run_to_diagnosed(world, order)
    with pytest.raises(CaseActionDenied, match="请先确定费用"):
        services.complete_work_order(world.technician, order)


def test_an_unassigned_order_is_taken_by_the_technician_who_accepts_it(world, repair_case):
    order = services.create_work_order(world.clerk, repair_case, trade="plumbing")
    services.accept_work_order(world.technician, order)
    assert services.crew(order) == [world.technician]
    with pytest.raises(CaseActionDenied):  # now somebody else's job
        services.set_out(world.staff["engineering_head"], order)


def test_reassigning_keeps_the_earlier_crew_on_record(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    services.assign_technicians(world.clerk, order, technicians=[world.staff["engineering_head"]])
    assert services.crew(order) == [world.staff["engineering_head"]]
    assert order.crew.count() == 2 and order.crew.filter(removed_at__isnull=False).count() == 1
    with pytest.raises(CaseActionDenied):
        services.accept_work_order(world.technician, order)


def test_payment_must_match_the_total_and_only_paid_jobs_are_charged(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    finish(world, order, labour="40.00")
    with pytest.raises(ValidationError, match="不符"):
        services.record_payment(world.technician, order, method="cash", amount="39.99", receipt_no="A1")
    with pytest.raises(ValidationError, match="收据号"):
        services.record_payment(world.technician, order, method="cash", amount="40.00", receipt_no=" ")
    services.record_payment(world.technician, order, method="cash", amount="40.00", receipt_no="A1")
    with pytest.raises(CaseActionDenied):
        services.record_payment(world.technician, order, method="cash", amount="40.00", receipt_no="A2")

    free = services.create_work_order(
        world.clerk, register_repair(world), trade="civil", technicians=[world.technician]
    )
    free = finish(world, free)
    assert free.paid is False
    with pytest.raises(CaseActionDenied):
        services.record_payment(world.technician, free, method="cash", amount="30.00", receipt_no="A3")


def test_a_voided_material_no_longer_counts(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    run_to_diagnosed(world, order)
    tap = services.add_material(world.technician, order, material=material("水龙头"), quantity=1)
    services.add_material(world.technician, order, material=material("角阀"), quantity=2)
    order.refresh_from_db()
    assert order.materials_total == Decimal("81.00")
    services.void_material(world.technician, tap)
    order.refresh_from_db()
    assert order.materials_total == Decimal("36.00")
    assert order.materials.count() == 2  # still on record


def test_cancelling_needs_a_reason_and_the_dispatcher(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    with pytest.raises(ValidationError):
        services.cancel_work_order(world.clerk, order, reason="")
    with pytest.raises(CaseActionDenied):
        services.cancel_work_order(world.staff["cleaning"], order, reason="重复")
    services.cancel_work_order(world.clerk, order, reason="住户已自行修好")
    order.refresh_from_db()
    assert order.state == State.CANCELLED
    repair_case.refresh_from_db()
    assert repair_case.status == CaseStatus.OPEN  # nothing was repaired: the holder decides


def test_rework_reopens_the_resolved_case_and_links_the_orders(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    finish(world, order)
    repair_case.refresh_from_db()
    assert repair_case.status == CaseStatus.RESOLVED
    again = services.rework(world.clerk, order, reason="回访：仍然滴水")
    repair_case.refresh_from_db()
    assert repair_case.status == CaseStatus.OPEN
    assert again.rework_of == order and again.kind == OrderKind.REWORK
    assert services.crew(again) == [world.technician]
    finish(world, again)
    repair_case.refresh_from_db()
    assert repair_case.status == CaseStatus.RESOLVED


def test_only_repair_cases_that_are_active_get_work_orders(world, repair_case):
    complaint = register_repair(world, category="complaint", content="保安态度差")
    with pytest.raises(CaseActionDenied, match="只有报修事项"):
        services.create_work_order(world.clerk, complaint, trade="other")
    case_services.void_case(world.supervisor, repair_case, reason="重复登记")
    with pytest.raises(CaseActionDenied, match="已结束"):
        services.create_work_order(world.clerk, repair_case, trade="plumbing")


def test_who_may_open_work_orders(world, repair_case):
    # Those who may manage work orders by the roles table: the desk and supervisors.
    for staff in (world.clerk, world.staff["cs_assistant"], world.supervisor, world.staff["office_director"]):
        services.create_work_order(staff, repair_case, trade="plumbing")
    # Not technicians, engineering staff or not; not cleaning staff.
    for staff in (world.staff["engineering_head"], world.technician, world.staff["cleaning"]):
        with pytest.raises(CaseActionDenied):
            services.create_work_order(staff, repair_case, trade="plumbing")
    # Holding the case grants nothing more: the holder asks the desk (every department can be the first contact).
    own = register_repair(world, staff=world.staff["cleaning"])
    with pytest.raises(CaseActionDenied):
        services.create_work_order(world.staff["cleaning"], own, trade="plumbing")
    assert WorkOrder.objects.count() == 4


def test_technicians_must_serve_the_estate(world, repair_case):
    with pytest.raises(ValidationError, match="吴师傅"):
        services.create_work_order(
            world.clerk, repair_case, trade="plumbing", technicians=[world.staff["other_technician"]]
        )
    with pytest.raises(ValidationError):
        services.create_work_order(
            world.clerk, repair_case, trade="plumbing", technicians=[world.staff["cleaning"]]
        )
