"""Attack 8: technicians reassigned and cancelled each other's work orders; the role table and the code disagreed.

The roles table (``shouwen/access/roles.py``) reserves opening, assigning, cancelling and reworking
work orders for ``Cap.WORKORDER_MANAGE``; the code also let any engineering technician and the
case's accountable person do it. Here the allowed roles of every work-order and every case action
are derived from the roles table and the transition tables, and for every role in ``ROLES`` the
service is called: it refuses the roles the tables do not allow, and allows at least one that is.
Each attempt runs in a savepoint that is rolled back, so every role meets the same state.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from shouwen.access.roles import ROLES, Cap
from shouwen.cases import services
from shouwen.cases import transitions as case_table
from shouwen.cases.models import Case, CaseStatus
from shouwen.core.testing import PASSWORD
from shouwen.directory.models import Staff
from shouwen.directory.services import create_staff
from shouwen.followups import services as followups
from shouwen.mailbox.services import reply_by_email
from shouwen.procedures.models import Procedure
from shouwen.workorders import services as wo
from shouwen.workorders import transitions as wo_table
from shouwen.workorders.models import Material, State, WorkOrder
from shouwen.workorders.tests.conftest import data_url, signature_png

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class _Undo(Exception):
    """Raised to roll the attempt's savepoint back."""


def attempt(call: Callable[[], object]) -> str:
    """Run a service call in a savepoint that is rolled back; say how it went.

    "denied": the role or position was refused (CaseActionDenied); "invalid": it passed that
    check and a rule about the input or the state refused it; "allowed": it was done.
    """
    outcome = "allowed"
    try:
        with transaction.atomic():
            try:
                call()
            except PermissionDenied:
                outcome = "denied"
            except ValidationError:
                outcome = "invalid"
            raise _Undo
    except _Undo:
        pass
    return outcome


def roles_with(caps: frozenset[str] | set[str]) -> set[str]:
    """Return the roles of the roles table holding any of the capabilities."""
    return {code for code, role in ROLES.items() if role.caps & caps}


def actors(world) -> dict[str, Staff]:
    """One staff member per role of the roles table, each holding that role only."""
    result = {}
    for code in ROLES:
        staff = world.staff.get(code)
        if staff is None or {r.role for r in staff.roles.all()} != {code}:
            staff = create_staff(
                company=world.company,
                username=f"role-{code}",
                password=PASSWORD,
                name=f"{ROLES[code].label}",
                staff_no=f"R-{code}",
                roles=[code],
                estates=[] if ROLES[code].company_wide else [world.estate],
                department=world.departments["service"],
            )
        result[code] = staff
    return result


def neutral(world, username: str, name: str) -> Staff:
    """A front-desk clerk who is none of the actors: the case's holder, a handover's receiver."""
    return create_staff(
        company=world.company,
        username=username,
        password=PASSWORD,
        name=name,
        staff_no=username.upper(),
        roles=["front_desk"],
        estates=[world.estate],
        department=world.departments["service"],
    )


def hold(world, case: Case, staff: Staff) -> None:
    """Make ``staff`` the case's accountable person (a supervisor names them)."""
    case.refresh_from_db()
    if case.accountable_id != staff.pk:
        services.reassign(world.staff["cs_supervisor"], case, to_staff=staff, note="指派")


# ---------------------------------------------------------------- work orders


def test_every_work_order_action_is_allowed_exactly_to_the_roles_the_tables_give_it(world):
    cast = actors(world)
    tech = world.technician  # the crew of every order below
    assert cast["technician"] == tech
    tap = Material.objects.filter(active=True).first()
    signature = data_url(signature_png())

    def repair() -> Case:
        return world.register(category="household_repair", content="厨房水龙头漏水", caller_name="")

    def order_in(state: str, paid: bool = True) -> WorkOrder:
        order = wo.create_work_order(world.clerk, repair(), trade="plumbing", technicians=[tech])
        steps: list[tuple[str, Callable[[], object]]] = [
            (State.ACCEPTED, lambda: wo.accept_work_order(tech, order)),
            (State.ON_WAY, lambda: wo.set_out(tech, order)),
            (State.ARRIVED, lambda: wo.arrive(tech, order)),
            (State.DIAGNOSED, lambda: wo.record_diagnosis(tech, order, diagnosis="阀芯坏", plan="换阀芯")),
            (
                "charged",
                lambda: wo.set_charge(tech, order, labour="20", paid=paid, override_reason="住户同意"),
            ),
            (State.DONE, lambda: wo.complete_work_order(tech, order)),
        ]
        for reached, step in steps:
            if order.state == state and reached != "charged":
                break
            step()
            order.refresh_from_db()
            if reached == state:
                break
        return order

    def with_line() -> WorkOrder:
        order = order_in(State.DIAGNOSED)
        wo.add_material(tech, order, material=tap, quantity=1)
        return order

    def line_of(order: WorkOrder) -> Any:
        return order.materials.get()

    # Action → (the order to act on, the call). Every action of the table is listed.
    plans: dict[str, tuple[Callable[[], Any], Callable[[Staff, Any], object]]] = {
        "create": (repair, lambda s, case: wo.create_work_order(s, case, trade="plumbing")),
        "assign": (lambda: order_in(State.CREATED), lambda s, o: wo.assign_technicians(s, o, technicians=[tech])),
        "accept": (lambda: order_in(State.CREATED), lambda s, o: wo.accept_work_order(s, o)),
        "set_out": (lambda: order_in(State.ACCEPTED), lambda s, o: wo.set_out(s, o)),
        "arrive": (lambda: order_in(State.ON_WAY), lambda s, o: wo.arrive(s, o)),
        "diagnose": (lambda: order_in(State.ARRIVED), lambda s, o: wo.record_diagnosis(s, o, diagnosis="坏", plan="修")),
        "add_material": (lambda: order_in(State.DIAGNOSED), lambda s, o: wo.add_material(s, o, material=tap, quantity=1)),
        "void_material": (with_line, lambda s, o: wo.void_material(s, line_of(o))),
        "set_charge": (lambda: order_in(State.DIAGNOSED), lambda s, o: wo.set_charge(s, o, labour="10")),
        "add_photo": (
            lambda: order_in(State.ARRIVED),
            lambda s, o: wo.add_photo(s, o, stage="before", upload=SimpleUploadedFile("a.png", PNG)),
        ),
        "complete": (lambda: order_in("charged"), lambda s, o: wo.complete_work_order(s, o)),
        "sign": (lambda: order_in(State.DONE), lambda s, o: wo.sign_work_order(s, o, data_url=signature)),
        "refuse_signature": (lambda: order_in(State.DONE), lambda s, o: wo.refuse_signature(s, o, reason="不在家")),
        "record_payment": (
            lambda: order_in(State.DONE),
            lambda s, o: wo.record_payment(s, o, method="cash", amount=o.total, receipt_no="No.1"),
        ),
        "cancel": (lambda: order_in(State.CREATED), lambda s, o: wo.cancel_work_order(s, o, reason="重复")),
        "rework": (lambda: order_in(State.DONE), lambda s, o: wo.rework(s, o, reason="回访仍滴水")),
        "reinspect": (lambda: order_in(State.DONE), lambda s, o: wo.reinspect(s, o)),
    }  # fmt: skip
    assert set(plans) == {"create", *wo_table.ACTIONS}

    def act(target: Any, call: Callable[[Staff, Any], object], staff: Staff) -> object:
        # The best position there is: the case's accountable person, on the crew when a technician.
        # Neither grants more than the role does.
        case = target if isinstance(target, Case) else target.case
        hold(world, case, staff)
        if isinstance(target, Case):
            return call(staff, Case.objects.get(pk=target.pk))
        return call(staff, WorkOrder.objects.get(pk=target.pk))

    wrong = []
    for code, (make, call) in plans.items():
        allowed_roles = roles_with(wo_table.caps_for(code))
        assert allowed_roles, f"no role may {code}"
        target = make()
        results = {role: attempt(partial(act, target, call, staff)) for role, staff in cast.items()}
        wrong += [
            (code, role, r) for role, r in results.items() if (r != "denied") != (role in allowed_roles)
        ]
        assert "allowed" in {results[r] for r in allowed_roles}, (code, results)
    assert wrong == []


def test_a_technician_cannot_reassign_or_cancel_a_colleagues_work_order(world, client_for, api_for):
    case = services.register_contact(
        world.clerk,
        estate=world.estate,
        channel="phone",
        category="household_repair",
        content="卫生间下水道堵塞",
        unit=world.units["3-2-1502"],
    ).case
    order = wo.create_work_order(world.clerk, case, trade="plumbing", technicians=[world.technician])
    head = world.staff["engineering_head"]  # a technician of the engineering department, not on the order
    hold(world, case, head)  # even as the case's accountable person
    order.refresh_from_db()
    with pytest.raises(PermissionDenied):
        wo.assign_technicians(head, order, technicians=[head])
    with pytest.raises(PermissionDenied):
        wo.cancel_work_order(head, order, reason="我来处理")
    with pytest.raises(PermissionDenied):
        wo.accept_work_order(head, order)
    response = client_for(head).post(f"/m/jobs/{order.number}/do/cancel/", {"reason": "x"}, follow=True)
    assert any("现在不能对工作单" in str(m) for m in response.context["messages"])
    api = api_for(head)
    url = f"/api/v1/work-orders/{order.number}/"
    assert api.post(url + "assign/", {"technicians": [head.pk]}, format="json").status_code == 403
    assert api.post(url + "cancel/", {"reason": "x"}, format="json").status_code == 403
    order.refresh_from_db()
    assert order.state == State.CREATED and wo.crew(order) == [world.technician]
    assert {a.code for a in wo_table.allowed_actions(head, order)} == set()


# ---------------------------------------------------------------- cases


def test_every_case_action_is_allowed_exactly_to_the_roles_the_tables_give_it(world):
    cast = actors(world)
    holder = neutral(world, "chizhe", "钱持")  # the accountable person of every case below
    receiver = neutral(world, "jieshou", "孙接")
    engineering = world.departments["engineering"]
    procedure = Procedure.objects.filter(category="move_in", active=True).first()
    assert procedure is not None

    def case_of(category: str = "complaint", **extra: Any) -> Case:
        case = world.register(
            **{"category": category, "content": "楼上装修噪音扰民", "caller_name": "", "unit": None, **extra}
        )
        hold(world, case, holder)
        case.refresh_from_db()
        return case

    def resolved() -> Case:
        case = case_of()
        services.resolve_case(holder, case, resolution="已协调")
        return Case.objects.get(pk=case.pk)

    def paused() -> Case:
        case = case_of()
        services.pause_case(holder, case, reason="parts", note="等待配件")
        return Case.objects.get(pk=case.pk)

    def emailed() -> Case:
        """A case of a resident with an e-mail address, in an estate with a mailbox (replies go by e-mail)."""
        from shouwen.mailbox.models import Mailbox

        Mailbox.objects.get_or_create(
            estate=world.estate,
            defaults={
                "address": "desk@ljy.test",
                "imap_host": "imap.invalid",
                "username": "desk",
                "registrar": holder,
            },
        )
        owner = world.residents["owner"]
        owner.email = "owner@home.test"
        owner.save()
        return case_of(resident=owner, unit=world.units["3-2-1502"])

    def awaiting() -> Case:
        case = case_of(category="move_in", procedure=procedure)
        assert case.status == CaseStatus.AWAITING_DOCUMENTS
        return case

    first_item = procedure.items.filter(active=True).order_by("order", "pk").first()
    # Action → (the case, the call). ``h`` is the pending handover when the action needs one.
    calls: dict[str, tuple[Callable[[], Case], Callable[[Staff, Case, Any], object]]] = {
        "hand_over": (case_of, lambda s, c, h: services.hand_over(s, c, to_department=engineering, note="转工程部")),
        "keep_in_stead": (case_of, lambda s, c, h: services.keep_in_stead(s, c, department=engineering)),
        "request_assignment": (case_of, lambda s, c, h: services.request_assignment(s, c, note="请指派")),
        "accept_handover": (case_of, lambda s, c, h: services.accept_handover(s, h)),
        "return_handover": (case_of, lambda s, c, h: services.return_handover(s, h, reason="不归我部门")),
        "cancel_handover": (case_of, lambda s, c, h: services.cancel_handover(s, h, reason="撤回")),
        "reassign": (case_of, lambda s, c, h: services.reassign(s, c, to_staff=receiver, note="改派")),
        "record_attribution": (case_of, lambda s, c, h: services.record_attribution(s, c, attribution="property")),
        "chase": (case_of, lambda s, c, h: services.chase(s, c, note="请尽快处理")),
        "correct": (case_of, lambda s, c, h: services.correct_registration(s, c, severity="major")),
        "tick_documents": (awaiting, lambda s, c, h: services.tick_documents(s, c, item_ids=[first_item.pk])),
        "give_notice": (awaiting, lambda s, c, h: services.give_one_time_notice(s, c, channel="printed")),
        "accept_for_processing": (awaiting, lambda s, c, h: services.accept_for_processing(s, c, override_reason="先行受理")),
        "record_visit": (case_of, lambda s, c, h: services.record_visit(s, c, channel="phone", content="再次来电")),
        "add_note": (case_of, lambda s, c, h: services.add_note(s, c, text="备注")),
        "add_message": (case_of, lambda s, c, h: services.add_note(s, c, text="已答复", to_resident=True)),
        "reply_by_email": (emailed, lambda s, c, h: reply_by_email(s, c, text="已联系施工方")),
        "attach": (case_of, lambda s, c, h: services.add_attachment(s, c, upload=SimpleUploadedFile("a.png", PNG))),
        "resolve": (case_of, lambda s, c, h: services.resolve_case(s, c, resolution="已处理")),
        "reopen": (resolved, lambda s, c, h: services.reopen_case(s, c, reason="住户反映未解决")),
        "close": (resolved, lambda s, c, h: services.close_case(s, c, note="住户出国，无法回访")),
        "decline": (case_of, lambda s, c, h: services.decline_case(s, c, explanation="超出物业服务范围")),
        "void": (case_of, lambda s, c, h: services.void_case(s, c, reason="重复登记")),
        "send_receipt": (case_of, lambda s, c, h: services.send_receipt(s, c)),
        "pause": (case_of, lambda s, c, h: services.pause_case(s, c, reason="parts", note="等待配件")),
        "resume": (paused, lambda s, c, h: services.resume_case(s, c)),
        "record_return_visit": (
            resolved,
            lambda s, c, h: followups.record_return_visit(s, c.return_visits.get(), channel="phone", satisfaction="satisfied"),
        ),
    }  # fmt: skip
    assert set(calls) == set(case_table.ACTIONS)

    act = partial(_act, world, holder, receiver)
    wrong = []
    for code, (make, call) in calls.items():
        successes, disagreements = _try_every_role(code, make(), call, cast, act)
        assert successes, code
        wrong += disagreements
    assert wrong == []


POSITIONS = (
    case_table.Who.HOLDER,
    case_table.Who.HOLDER_OR_SUPERVISOR,
    case_table.Who.RECEIVER,
    case_table.Who.GIVER,
)


def _hand_to(holder: Staff, case: Case, to: Staff) -> Any:
    return services.hand_over(holder, case, to_staff=to, note="请接手")


def _given_by(world: Any, case: Case, giver: Staff, receiver: Staff) -> Any:
    hold(world, case, giver)
    return services.hand_over(giver, Case.objects.get(pk=case.pk), to_staff=receiver, note="请接手")


def _act(
    world: Any,
    holder: Staff,
    receiver: Staff,
    action: case_table.Action,
    base: Case,
    call: Callable[[Staff, Case, Any], object],
    staff: Staff,
    in_position: bool,
) -> object:
    """Put the staff member in position (or someone else), then let them try the action."""
    Who = case_table.Who
    handover = None
    if action.who == Who.RECEIVER:
        handover = _hand_to(holder, base, staff if in_position else receiver)
    elif action.who == Who.GIVER:
        handover = _given_by(world, base, staff if in_position else holder, receiver)
    elif action.pending:
        handover = _hand_to(holder, base, receiver)
    elif in_position:
        hold(world, base, staff)
    return call(staff, Case.objects.get(pk=base.pk), handover)


def _try_every_role(
    code: str,
    base: Case,
    call: Callable[[Staff, Case, Any], object],
    cast: dict[str, Staff],
    act: Callable[..., object],
) -> tuple[int, list[tuple[str, str, str, str]]]:
    """Let each role try the action on the case, with and without a position on it.

    Without a position on the case only the capability named by the table allows it, and a
    position (holder, receiver, giver) lets anyone who may see the case take it. Returns how many
    tries went through and the tries whose outcome disagrees with the table.
    """
    action = case_table.ACTIONS[code]
    cap = case_table.cap_for(code)
    free_roles = roles_with({cap}) if cap is not None else set()
    successes = 0
    wrong = []
    for role, staff in cast.items():
        for in_position in (False, True) if action.who in POSITIONS else (False,):
            outcome = attempt(partial(act, action, base, call, staff, in_position))
            successes += outcome == "allowed"
            if (outcome != "denied") != (in_position or role in free_roles):
                wrong.append((code, role, "in position" if in_position else "no position", outcome))
    return successes, wrong


def test_registering_a_contact_is_allowed_exactly_to_the_roles_with_case_register(world):
    allowed_roles = roles_with({Cap.CASE_REGISTER})
    register = partial(
        services.register_contact,
        estate=world.estate,
        channel="phone",
        category="consultation",
        content="咨询物业费标准",
        answered_on_spot=True,
        answer="已告知",
    )
    for role, staff in actors(world).items():
        assert (attempt(partial(register, staff)) == "allowed") == (role in allowed_roles), role
