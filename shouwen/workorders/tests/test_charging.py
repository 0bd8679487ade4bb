"""What the resident pays: rework and the property company's own faults are free, ¥0.00 asks for no payment."""

from __future__ import annotations

from shouwen.cases.models import Attribution, CaseEvent
from shouwen.workorders import services, transitions
from shouwen.workorders.models import State
from shouwen.workorders.warranty import propose_charge

from .test_lifecycle import finish


def test_rework_is_proposed_free_and_finishes_without_a_payment_step(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    first = finish(world, order)  # out of warranty: a paid job
    assert first.paid is True
    again = services.rework(world.clerk, first, reason="回访：仍然滴水")
    assert propose_charge(again).paid is False
    done = finish(world, again)
    assert done.paid is False and done.amount_due == 0
    assert "record_payment" not in {a.code for a in transitions.allowed_actions(world.technician, done)}


def test_a_fault_of_the_property_company_is_free_and_becomes_the_cases_attribution(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    services.accept_work_order(world.technician, order)
    services.set_out(world.technician, order)
    services.arrive(world.technician, order)
    order = services.record_diagnosis(
        world.technician,
        order,
        diagnosis="公共管道施工损坏",
        plan="更换管件",
        responsibility=Attribution.PROPERTY,
    )
    assert order.responsibility == Attribution.PROPERTY, order.responsibility
    assert propose_charge(order).paid is False
    repair_case.refresh_from_db()
    assert repair_case.attribution == Attribution.PROPERTY
    assert CaseEvent.objects.filter(
        case=repair_case, kind=CaseEvent.Kind.ATTRIBUTION, data__work_order=order.number
    ).exists()


def test_an_attribution_already_decided_on_the_case_is_not_overwritten(world, repair_case):
    from shouwen.cases import services as case_services

    case_services.record_attribution(
        world.clerk, repair_case, attribution=Attribution.CONTRACTOR, note="装修队"
    )
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    services.accept_work_order(world.technician, order)
    services.set_out(world.technician, order)
    services.arrive(world.technician, order)
    services.record_diagnosis(
        world.technician, order, diagnosis="漏水", plan="修", responsibility=Attribution.PROPERTY
    )
    repair_case.refresh_from_db()
    assert repair_case.attribution == Attribution.CONTRACTOR


def test_a_paid_job_of_no_amount_needs_no_payment(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    done = finish(world, order, labour="0.00")
    assert done.paid is True and done.total == 0 and done.state == State.DONE
    assert "record_payment" not in {a.code for a in transitions.allowed_actions(world.technician, done)}


def test_undetermined_is_offered_once_in_the_diagnosis_form(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    labels = [
        str(label)
        for _value, label in transitions.TABLE["diagnose"].form(target=order).fields["responsibility"].choices
    ]
    assert labels.count("待确定") == 1
