"""The technician's list of jobs (/m/) with twenty orders takes a pinned number of queries."""

from __future__ import annotations

from shouwen.workorders import services
from shouwen.workorders.tests.conftest import register_repair

ROWS = 20
JOBS_PIN = 12  # session, user, staff, roles, estates, the bell, handovers waiting, today's, upcoming, to finish, unassigned, crews


def test_the_jobs_list_of_twenty_orders_takes_a_pinned_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    orders = [
        services.create_work_order(
            world.clerk,
            register_repair(world, content=f"厨房水龙头漏水 {i}"),
            trade="plumbing",
            technicians=[world.technician],
        )
        for i in range(ROWS)
    ]
    client = client_for(world.technician)
    client.get("/m/")
    with django_assert_max_num_queries(JOBS_PIN):
        response = client.get("/m/")
    html = response.content.decode()
    assert all(order.number in html for order in orders)
