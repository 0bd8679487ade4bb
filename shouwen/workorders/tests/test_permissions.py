"""Who may see and do what: the roles table and the estate decide, on every page."""

import pytest

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.workorders import services, transitions
from shouwen.workorders.models import State


@pytest.fixture
def order(world, repair_case):
    return services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )


def test_capabilities_by_role(world):
    assert can(world.technician.user, Cap.WORKORDER_WORK)
    assert not can(world.technician.user, Cap.WORKORDER_MANAGE)
    for role in ("front_desk", "cs_assistant", "cs_supervisor", "office_director", "admin"):
        assert can(world.staff[role].user, Cap.WORKORDER_MANAGE), role
        assert not can(world.staff[role].user, Cap.WORKORDER_WORK), role
    for role in ("security", "cleaning", "finance_clerk"):
        assert can(world.staff[role].user, Cap.WORKORDER_VIEW), role
        assert not can(world.staff[role].user, Cap.WORKORDER_MANAGE), role
        assert not can(world.staff[role].user, Cap.WORKORDER_WORK), role


@pytest.mark.parametrize(
    "path",
    [
        "/m/jobs/{n}/",
        "/workorders/{n}/pdf/",
        "/workorders/{n}/signature.png",
    ],
)
def test_a_technician_of_another_estate_gets_404(world, client_for, order, path):
    assert client_for(world.staff["other_technician"]).get(path.format(n=order.number)).status_code == 404


def test_a_technician_of_another_estate_cannot_post_steps(world, client_for, order):
    client = client_for(world.staff["other_technician"])
    assert client.post(f"/m/jobs/{order.number}/do/accept/").status_code == 404
    order.refresh_from_db()
    assert order.state == State.CREATED


def test_cleaning_staff_may_look_but_not_act(world, client_for, order):
    client = client_for(world.staff["cleaning"])
    page = client.get(f"/m/jobs/{order.number}/")
    assert page.status_code == 200 and 'id="next-step"' not in page.content.decode()
    for code in ("accept", "cancel", "assign"):
        response = client.post(f"/m/jobs/{order.number}/do/{code}/", {"reason": "x"}, follow=True)
        assert any("现在不能对工作单" in str(m) for m in response.context["messages"]), code
    order.refresh_from_db()
    assert order.state == State.CREATED
    assert transitions.allowed_actions(world.staff["cleaning"], order) == []


def test_only_technicians_have_the_phone_home_and_night_log(world, client_for):
    assert client_for(world.technician).get("/m/").status_code == 200
    for role in ("cleaning", "front_desk"):
        assert client_for(world.staff[role]).get("/m/").status_code == 403
        assert client_for(world.staff[role]).get("/m/night/").status_code == 403


def test_a_technician_not_on_the_crew_cannot_take_the_steps(world, order):
    helper = world.staff["engineering_head"]
    assert not transitions.allows("accept", helper, order)
    # …nor steer it (send somebody else, cancel it): that is the desk's (WORKORDER_MANAGE), even for
    # the head of the engineering department.
    assert not transitions.allows("assign", helper, order) and not transitions.allows("cancel", helper, order)
    assert transitions.allows("assign", world.clerk, order) and transitions.allows(
        "cancel", world.clerk, order
    )


def test_the_create_form_refuses_cases_of_other_estates(world, client_for, repair_case):
    response = client_for(world.staff["other_technician"]).post(
        f"/workorders/new/{repair_case.number}/", {"trade": "plumbing", "urgency": "normal"}
    )
    assert response.status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, order):
    response = client.get(f"/m/jobs/{order.number}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
