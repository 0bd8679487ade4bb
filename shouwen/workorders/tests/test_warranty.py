"""Paid or warranty: the proposal at the boundary dates, and overriding it only with a reason."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shouwen.workorders import services
from shouwen.workorders.models import WarrantyRule, WorkOrder
from shouwen.workorders.warranty import add_months, propose_charge, warranty_end

from .conftest import register_repair


def test_months_are_added_by_the_calendar():
    assert add_months(date(2024, 6, 30), 24) == date(2026, 6, 30)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 11, 15), 2) == date(2025, 1, 15)
    assert warranty_end(date(2021, 11, 29), 60) == date(2026, 11, 29)


def test_the_rules_are_seeded_from_the_regulation(db):
    rule = WarrantyRule.objects.get(trade="civil", applies_to="unit")
    assert rule.months == 60 and "建设工程质量管理条例" in rule.source
    assert WarrantyRule.objects.get(trade="plumbing", applies_to="unit").months == 24


@pytest.mark.parametrize(
    ("today", "paid"),
    [(date(2026, 6, 29), False), (date(2026, 6, 30), False), (date(2026, 7, 1), True)],
)
def test_household_warranty_ends_on_the_same_day_two_years_on(world, repair_case, today, paid):
    # 3-2-1502 handed over on 2024-06-30: plumbing is under warranty for 24 months.
    world.units["3-2-1502"].handover_date = date(2024, 6, 30)
    world.units["3-2-1502"].save()
    order = services.create_work_order(world.clerk, repair_case, trade="plumbing")
    proposal = propose_charge(order, today=today)
    assert proposal.paid is paid
    assert proposal.end == date(2026, 6, 30)
    assert ("到期" in proposal.reason) is paid


@pytest.mark.parametrize(
    ("today", "paid"),
    [(date(2026, 11, 29), False), (date(2026, 11, 30), True)],
)
def test_public_facility_warranty_counts_from_its_in_service_date(world, today, paid):
    world.lift.in_service_date = date(2024, 11, 29)
    world.lift.save()
    case = register_repair(
        world,
        category="public_repair",
        unit=None,
        resident=None,
        public_area=world.lift,
        content="电梯按钮失灵",
    )
    order = services.create_work_order(world.clerk, case, trade="lift")
    assert propose_charge(order, today=today).paid is paid


def test_no_date_or_no_rule_proposes_a_paid_job(world):
    case = register_repair(world, unit=world.units["3-1-0801"], resident=world.residents["tenant"])
    order = services.create_work_order(world.clerk, case, trade="plumbing")
    assert propose_charge(order).paid is True
    assert "未登记交付日期" in propose_charge(order).reason
    other = services.create_work_order(world.clerk, case, trade="other")
    assert "无保修规则" in propose_charge(other).reason


def test_developer_leftovers_are_free_for_the_resident(world, repair_case):
    order = services.create_work_order(world.clerk, repair_case, trade="plumbing", responsibility="developer")
    assert order.paid_proposed is False


def _diagnosed(world, case, trade):
    order = services.create_work_order(world.clerk, case, trade=trade, technicians=[world.technician])
    services.accept_work_order(world.technician, order)
    services.set_out(world.technician, order)
    services.arrive(world.technician, order)
    return services.record_diagnosis(world.technician, order, diagnosis="渗水", plan="重做防水")


def test_going_against_the_proposal_needs_a_reason(world, repair_case):
    order = _diagnosed(world, repair_case, "civil")  # 60 months: still under warranty
    with pytest.raises(ValidationError, match="必须填写原因"):
        services.set_charge(world.technician, order, labour="50", paid=True)
    order = services.set_charge(
        world.technician, order, labour="50", paid=True, override_reason="住户自行改动防水层"
    )
    assert (order.paid, order.paid_proposed) == (True, False)
    assert order.paid_override_reason == "住户自行改动防水层"
    # Agreeing with the proposal clears an earlier override reason.
    order = services.set_charge(world.technician, order, labour="50")
    assert (order.paid, order.paid_override_reason) == (False, "")


def test_the_database_refuses_a_silent_override(world, repair_case):
    order = _diagnosed(world, repair_case, "civil")
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.filter(pk=order.pk).update(paid=True, paid_proposed=False, paid_override_reason="")


@pytest.mark.parametrize("labour", ["-1", "12.345", "abc", "100000"])
def test_labour_must_be_money(world, repair_case, labour):
    order = _diagnosed(world, repair_case, "plumbing")
    with pytest.raises(ValidationError):
        services.set_charge(world.technician, order, labour=labour)
