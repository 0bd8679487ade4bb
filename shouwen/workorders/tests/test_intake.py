"""Night-duty calls and move-in defects becoming cases and work orders."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from shouwen.cases.models import CaseStatus, Contact
from shouwen.workorders import services
from shouwen.workorders.intake import guess_trade, next_morning, register_move_in_defects, register_night_call
from shouwen.workorders.models import OrderKind, State, WorkOrder

from .test_lifecycle import finish


@time_machine.travel("2026-11-29 23:40 +0800", tick=False)
def test_a_night_call_is_logged_at_the_time_of_the_call_with_a_morning_work_order(world):
    called = timezone.now() - timedelta(minutes=25)
    result = register_night_call(
        world.technician,
        estate=world.estate,
        content="卫生间下水道堵塞返水",
        called_at=called,
        caller_phone="13812345678",
        unit=world.units["3-2-1502"],
        morning_work_order=True,
    )
    contact = result.contact
    assert contact.channel == "night_log" and contact.received_at == called
    assert contact.case.first_contact == world.technician
    order = result.work_order
    assert order.trade == "plumbing" and order.night_call_at == called
    assert timezone.localtime(order.appointment_at).strftime("%Y-%m-%d %H:%M") == "2026-11-30 08:30"
    assert services.crew(order) == []  # the morning shift sends somebody


@time_machine.travel("2026-11-30 02:10 +0800", tick=False)
def test_after_midnight_the_morning_is_the_same_day(world):
    assert timezone.localtime(next_morning(timezone.now())).strftime("%m-%d %H:%M") == "11-30 08:30"


def test_a_call_repaired_on_the_spot_opens_no_case(world):
    result = register_night_call(
        world.technician, estate=world.estate, content="楼道灯不亮", public_area=world.lift, repaired_now=True
    )
    assert result.contact.case is None and result.work_order is None
    assert result.contact.answered_on_spot and "当场处理" in result.contact.answer


@pytest.mark.parametrize("offset", [timedelta(minutes=10), -timedelta(hours=25)])
def test_the_call_time_must_be_plausible(world, offset):
    with pytest.raises(ValidationError):
        register_night_call(
            world.technician, estate=world.estate, content="漏水", called_at=timezone.now() + offset
        )
    assert not Contact.objects.exists()


def test_trades_are_guessed_from_the_words():
    assert guess_trade("电梯困人") == "lift"
    assert guess_trade("卧室墙面渗水") == "civil"
    assert guess_trade("马桶堵塞") == "plumbing"
    assert guess_trade("入户门锁坏") == "doors"
    assert guess_trade("插座没电") == "electrical"
    assert guess_trade("信箱脱落") == "other"


def test_move_in_defects_become_developer_cases_that_wait_for_a_reinspection(world, signature):
    unit = world.units["3-2-1502"]
    orders = register_move_in_defects(
        world.clerk, unit, ["主卧窗户渗水", "", "入户门锁芯卡滞"], technicians=[world.technician]
    )
    assert len(orders) == 2
    window, lock = orders
    assert window.case.attribution == "developer" and window.responsibility == "developer"
    assert window.case.resident == world.residents["owner"]
    assert (window.trade, lock.trade) == ("civil", "doors")
    assert window.paid_proposed is False and window.needs_reinspection

    finish(world, window)
    window.case.refresh_from_db()
    assert window.case.status == CaseStatus.OPEN  # waits for the re-inspection with the owner

    check = services.reinspect(world.clerk, window)
    assert (check.kind, check.trade, check.plan, check.rework_of) == (
        OrderKind.REINSPECTION,
        "other",
        "复检",
        window,
    )
    assert check.paid is False
    services.accept_work_order(world.technician, check)
    services.set_out(world.technician, check)
    services.arrive(world.technician, check)
    services.record_diagnosis(world.technician, check, diagnosis="复检合格，窗户不再渗水", plan="复检")
    services.complete_work_order(world.technician, check)
    services.sign_work_order(world.technician, check, data_url=signature, opinion="验收合格")
    window.case.refresh_from_db()
    assert window.case.status == CaseStatus.RESOLVED
    assert WorkOrder.objects.get(pk=check.pk).state == State.DONE


def test_move_in_needs_at_least_one_defect(world):
    with pytest.raises(ValidationError):
        register_move_in_defects(world.clerk, world.units["3-2-1502"], ["  "])
