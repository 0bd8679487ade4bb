"""Query counts pinned for the busiest pages: each case queue, the intake page, the case page, the jobs list.

Each page is loaded with twenty rows or more, so that a query per row (an N+1) would take the count
far over its pin. A pin is the count measured when it was set: a change that raises it needs a look
at the page's queries (select_related / prefetch_related), not a higher number.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from shouwen.cases import services
from shouwen.directory.models import Staff
from shouwen.sla.models import Escalation
from shouwen.sla.sweep import sweep_deadlines

ROWS = 20
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
QUEUE = reverse("cases:queue")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def busy_desk(world):
    """A month-old desk: the clerk's twenty overdue complaints, twenty handed to her, twenty to her department."""
    with time_machine.travel(timezone.now() - timedelta(days=30), tick=False):
        mine = [world.register(content=f"3号楼电梯困人 第{i}次") for i in range(ROWS)]
        for case in mine:
            services.request_assignment(world.clerk, case, note="请主管指派工程部")
        for i in range(ROWS):
            case = world.register(world.supervisor, content=f"楼道灯不亮 第{i}处")
            services.hand_over(world.supervisor, case, to_staff=world.clerk, note="请跟进")
        for i in range(ROWS):
            case = world.register(world.supervisor, content=f"绿化修剪 第{i}处")
            services.hand_over(
                world.supervisor, case, to_department=world.departments["service"], note="请跟进"
            )
    sweep_deadlines(timezone.now())  # a month on: every deadline is over, the ladder has escalated them
    return world


def escalated_staff() -> Staff:
    """The one the ladder escalated most to (whom the deadline policies name as overdue_to)."""
    top = Escalation.objects.values("target").annotate(n=Count("pk")).order_by("-n").first()
    assert top is not None and top["n"] >= ROWS
    return Staff.objects.get(pk=top["target"])


def queries_of(client, url, django_assert_max_num_queries, pin):
    """Load the page twice (the first request of a session fills caches) and pin the second."""
    client.get(url)
    with django_assert_max_num_queries(pin) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(captured)


# The pins: session, user, staff, roles, estates, the rows, the bell's count and its latest, the page's
# counts. Measured when set.
QUEUE_PINS = {
    "mine": 10,
    "incoming": 10,
    "department": 10,
    "estate": 10,
    "requests": 10,
    "escalated": 10,
    "overdue": 10,
    "search": 10,
}


def test_every_case_queue_shows_twenty_rows_and_more_in_a_pinned_number_of_queries(
    busy_desk, client_for, django_assert_max_num_queries
):
    world = busy_desk
    for queue, pin in QUEUE_PINS.items():
        viewer = {"requests": world.supervisor, "escalated": escalated_staff()}.get(queue, world.clerk)
        url = f"{QUEUE}?queue={queue}" + ("&q=电梯" if queue == "search" else "")
        html, _n = queries_of(client_for(viewer), url, django_assert_max_num_queries, pin)
        assert html.count("<tr") > ROWS, queue  # a header and twenty rows at least


INTAKE_PIN = 22  # the page's choices (estates, categories, procedures, departments…) and the bell
CASE_PAGE_PIN = (
    24  # the case, its chain, handovers, notes, attachments, contacts, deadlines, visits, e-mails, a resident's
    # request to cancel, actions
)


def test_the_intake_page_takes_a_pinned_number_of_queries_on_a_busy_desk(
    busy_desk, client_for, django_assert_max_num_queries
):
    html, _n = queries_of(
        client_for(busy_desk.clerk), reverse("cases:intake"), django_assert_max_num_queries, INTAKE_PIN
    )
    assert 'name="content"' in html


def realistic_case(world, extra: int = 0):
    """A repair handed over, returned, handed over again and accepted, with notes, photos and visits."""
    case = world.register(category="household_repair", content="卫生间天花板漏水，楼上渗水")
    for i in range(2 + extra):
        back = services.hand_over(world.clerk, case, to_staff=world.technician, note=f"请上门查看 {i}")
        services.return_handover(world.technician, back, reason="不属于本户维修范围，请核实")
    handover = services.hand_over(
        world.clerk, case, to_department=world.departments["engineering"], note="请工程部处理"
    )
    services.accept_handover(world.technician, handover)
    for i in range(3 + extra):
        services.add_note(world.technician, case, text=f"已上门查看第{i}次，楼上防水层破损")
        services.add_attachment(
            world.technician, case, upload=SimpleUploadedFile(f"现场{i}.png", PNG, content_type="image/png")
        )
        services.record_visit(world.clerk, case, channel="phone", content=f"住户第{i}次来电催办")
    return case


def test_the_case_page_takes_a_pinned_number_of_queries_however_long_its_history(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.clerk)
    case = realistic_case(world)
    html, queries = queries_of(
        client, reverse("cases:detail", args=[case.number]), django_assert_max_num_queries, CASE_PAGE_PIN
    )
    assert "已上门查看第2次" in html and "现场2.png" in html and "住户第2次来电催办" in html
    longer = realistic_case(world, extra=10)  # twelve handovers returned, thirteen notes, photos and calls
    html, longer_queries = queries_of(
        client, reverse("cases:detail", args=[longer.number]), django_assert_max_num_queries, CASE_PAGE_PIN
    )
    assert "已上门查看第12次" in html and "现场12.png" in html and "住户第12次来电催办" in html
    assert longer_queries == queries
